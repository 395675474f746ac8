// Package publicsiteapi is the public site's contract with the rest of EKO
// and with whoever reuses its open data: the function's name and prefix,
// the open data's wire types and a typed Client. It is the only part of
// public-site another function imports.
package publicsiteapi

import (
	"context"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/httpx"
)

// Name is the function's name: its directory and func.yaml name.
const Name = "public-site"

// Prefix is where the site's pages live: /public-site/…
const Prefix = "/" + Name + "/"

// OpenOrganisation is one organisation of the open dataset: what an
// organisation publishes about itself (273-FZ, art. 29) — never a person.
type OpenOrganisation struct {
	ID            uuid.UUID `json:"id"`
	Kind          string    `json:"kind"`
	KindTitle     string    `json:"kind_title"`
	FullName      string    `json:"full_name"`
	ShortName     string    `json:"short_name"`
	INN           string    `json:"inn"`
	OGRN          string    `json:"ogrn"`
	Municipality  string    `json:"municipality,omitempty"`
	OKTMO         string    `json:"oktmo,omitempty"`
	Address       string    `json:"address,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	Email         string    `json:"email,omitempty"`
	Website       string    `json:"website,omitempty"`
	LicenceNumber string    `json:"licence_number,omitempty"`
	LicenceDate   string    `json:"licence_date,omitempty"` // YYYY-MM-DD
	LicenceIssuer string    `json:"licence_issuer,omitempty"`
}

// Passport is the open dataset's passport, after the methodical
// recommendations on open data: what it is, who keeps it, when it changed,
// its structure.
type Passport struct {
	Identifier  string   `json:"identifier"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Creator     string   `json:"creator"`
	Subject     string   `json:"subject"`
	Format      []string `json:"format"`
	Created     string   `json:"created"`  // YYYY-MM-DD
	Modified    string   `json:"modified"` // the snapshot's time, RFC 3339
	Records     int      `json:"records"`
	Licence     string   `json:"licence"`
	Fields      []Field  `json:"fields"`
}

// Field is a column of the dataset.
type Field struct {
	Name  string `json:"name"`
	Title string `json:"title"`
}

// Client reads the public site's open data (no token needed).
type Client struct{ conn *httpx.Client }

// New returns a client over conn (httpx.Dial or httpx.InProcess).
func New(conn *httpx.Client) *Client { return &Client{conn: conn} }

// Organisations is the open dataset of organisations.
func (c *Client) Organisations(ctx context.Context) ([]OpenOrganisation, error) {
	var out []OpenOrganisation
	return out, c.conn.Get(ctx, Prefix+"open-data/organisations.json", nil, &out)
}

// Passport is the dataset's passport.
func (c *Client) Passport(ctx context.Context) (Passport, error) {
	var out Passport
	return out, c.conn.Get(ctx, Prefix+"open-data/passport.json", nil, &out)
}
