package issuehomework_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"testing"

	issuehomework "github.com/kuzbass/eko/functions/issue-homework"
	issuehomeworkapi "github.com/kuzbass/eko/functions/issue-homework/api"

	"github.com/kuzbass/eko/shared/function"
)

// scanWith tunes issue-homework to scan with the clamd at addr.
func scanWith(addr string) function.Tuning {
	return function.Tune(issuehomework.Name, func(o *issuehomework.Options) { o.Clamd = addr })
}

// upload asks for a ticket as login for a file of the own work on hw, puts
// body to MinIO and confirms it; it returns the confirmation's status and body.
func (w *world) upload(login, hw, name, contentType string, body []byte) (issuehomeworkapi.UploadTicket, int, string) {
	w.t.Helper()
	var tk issuehomeworkapi.UploadTicket
	w.Must(http.MethodPost, api+"/homework/"+hw+"/submission/files", login, fmt.Sprintf(`{"name":%q,"content_type":%q,"size":%d}`, name, contentType, len(body)), 201, &tk)
	if st := put(w.t, tk, body); st != http.StatusOK {
		w.t.Fatalf("upload to MinIO: %d", st)
	}
	code, resp := w.Call(http.MethodPost, api+"/files/"+tk.File.ID.String()+"/confirm", login, "")
	return tk, code, resp
}

// Files are scanned by a real clamd before anyone else may download them:
// an infected file (a signature of the test's own, and the EICAR test file)
// is refused and deleted, a clean one confirmed; nothing infected is ever
// downloadable.
func TestInfectedUploadsAreRefusedAndDeleted(t *testing.T) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	infected := []byte("%PDF-1.4\n% EKO test payload " + hex.EncodeToString(nonce) + "\ntrailer<<>>\n%%EOF\n")
	w := newWorld(t, scanWith(startClamd(t, infected)))
	h := w.issue("teacher-s1", "{l1}", 1, "")
	hw := h.ID.String()

	tk, code, resp := w.upload("student1", hw, "решение.pdf", "application/pdf", infected)
	w.Refused(code, resp, http.StatusUnprocessableEntity, string(issuehomeworkapi.ReasonFileInfected))
	if w.inStore(w.One(`SELECT object_key FROM homework.files WHERE id = $1`, tk.File.ID)) {
		t.Fatal("the infected file is still in MinIO")
	}
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE id = $1 AND state = 'refused' AND refusal LIKE '%Eko.Test.Infected%'`, tk.File.ID); n != 1 {
		t.Fatal("the infected file is not recorded as refused with the signature")
	}
	code, resp = w.Call(http.MethodGet, api+"/files/"+tk.File.ID.String(), "teacher-s1", "")
	w.Refused(code, resp, http.StatusUnprocessableEntity, string(issuehomeworkapi.ReasonFileMissing))

	_, code, resp = w.upload("student1", hw, "eicar.txt", "text/plain", []byte(eicar))
	w.Refused(code, resp, http.StatusUnprocessableEntity, string(issuehomeworkapi.ReasonFileInfected))

	tk, code, resp = w.upload("student1", hw, "чисто.pdf", "application/pdf", pdf)
	if code != http.StatusOK {
		t.Fatalf("a clean file: %d %s", code, resp)
	}
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE id = $1 AND state = 'clean'`, tk.File.ID); n != 1 {
		t.Fatal("the clean file is not confirmed")
	}
}

// A scanner that does not answer leaves the file in quarantine (503, the
// object kept, nobody can download or submit it) until it is confirmed again.
func TestUploadsWaitWhileTheScannerIsDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	_ = l.Close()
	w := newWorld(t, scanWith(down))
	h := w.issue("teacher-s1", "{l1}", 1, "")
	tk, code, resp := w.upload("student1", h.ID.String(), "решение.pdf", "application/pdf", pdf)
	w.Refused(code, resp, http.StatusServiceUnavailable, "")
	if n := w.Count(`SELECT count(*) FROM homework.files WHERE id = $1 AND state = 'uploading'`, tk.File.ID); n != 1 {
		t.Fatal("the file left quarantine without a scan")
	}
	if !w.inStore(w.One(`SELECT object_key FROM homework.files WHERE id = $1`, tk.File.ID)) {
		t.Fatal("the file was lost")
	}
	code, resp = w.Call(http.MethodGet, api+"/files/"+tk.File.ID.String(), "student1", "")
	w.Refused(code, resp, http.StatusUnprocessableEntity, string(issuehomeworkapi.ReasonFileMissing))
}
