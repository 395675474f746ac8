package storage

import (
	"time"

	"github.com/google/uuid"
)

// The wire types of uploads, the same in every function that takes files
// from the browser (each api package names them as its own: type File =
// storage.File).

// File is an uploaded file as an API shows it. State: uploading (a ticket
// issued, not yet confirmed), clean (its bytes checked), refused (deleted,
// Refusal says why), removed.
type File struct {
	ID          uuid.UUID  `json:"id"`
	Name        string     `json:"name"`
	ContentType string     `json:"content_type"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256,omitempty"` // hex, once confirmed
	State       string     `json:"state"`
	Refusal     string     `json:"refusal,omitempty"`
	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"`
}

// UploadRequest is what the browser declares of a file it wants to upload.
type UploadRequest struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// UploadTicket lets the browser put one file straight into the object
// store: Method to URL with exactly Headers and a body of exactly Size
// bytes; then the function's confirm.
type UploadTicket struct {
	File      File              `json:"file"`
	Method    string            `json:"method"`
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// Download is a short-lived link to a file, signed after the access check.
type Download struct {
	URL string `json:"url"`
}
