package storage

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/gabriel-vasile/mimetype"
)

// sniffBytes is how much of a file the type detection reads.
const sniffBytes = 3072

// Inspection is what one reading of an uploaded object found.
type Inspection struct {
	Size     int64          // bytes read
	Sum      []byte         // SHA-256
	Detected *mimetype.MIME // the type its bytes are of
	Malware  string         // the signature clamd found ("" clean or not scanned)
}

// Inspect reads the object at key once: its size, its SHA-256, its detected
// type and, with a scanner, clamd's verdict on the same bytes (streamed to it
// as they are read). No object is errs.NotFound; a scanner that cannot be
// asked is ErrScannerDown. A nil scanner scans nothing.
func (s *Store) Inspect(ctx context.Context, key string, scanner *Clamd) (Inspection, error) {
	var in Inspection
	rc, err := s.Read(ctx, key)
	if err != nil {
		return in, err
	}
	defer rc.Close()
	var src io.Reader = rc
	var verdict chan error
	var pw *io.PipeWriter
	if scanner != nil {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		src = io.TeeReader(rc, pw)
		verdict = make(chan error, 1)
		go func() {
			name, err := scanner.scan(ctx, pr)
			in.Malware = name
			_, _ = io.Copy(io.Discard, pr) // a scanner that gave up early must not block the reading
			verdict <- err
		}()
	}
	h := sha256.New()
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(src, head)
	var rest int64
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		h.Write(head[:n])
		rest, err = io.Copy(h, src)
	}
	if pw != nil {
		_ = pw.CloseWithError(err)
		if serr := <-verdict; serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return in, fmt.Errorf("inspect %s: %w", key, err)
	}
	in.Size, in.Sum, in.Detected = int64(n)+rest, h.Sum(nil), mimetype.Detect(head[:n])
	return in, nil
}

// Verdict is what an inspection says of a file declared as size bytes of
// contentType: nothing (it is what it says), or why it is refused —
// Infected when clamd found a signature, otherwise its content or its size
// is not what was declared.
type Verdict struct {
	Refused  bool
	Infected bool
	Why      string // in Russian, for the uploader
}

// Judge is in's verdict on a file declared as size bytes of contentType.
func (in Inspection) Judge(size int64, contentType string) Verdict {
	switch {
	case in.Malware != "":
		return Verdict{Refused: true, Infected: true, Why: "в файле найден вредоносный код (" + in.Malware + ")"}
	case in.Size != size:
		return Verdict{Refused: true, Why: fmt.Sprintf("размер файла %d байт вместо объявленных %d", in.Size, size)}
	case !in.Detected.Is(contentType):
		return Verdict{Refused: true, Why: fmt.Sprintf("содержимое файла — %s, а не %s", in.Detected.String(), contentType)}
	}
	return Verdict{}
}
