package loadrun

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"

	"github.com/jackc/pgx/v5"

	"github.com/kuzbass/eko/shared/db"
)

// Database is a load run's own database, dropped at the end unless kept.
type Database struct {
	URL, Name string
	admin     string
}

// NewDatabase creates a database named prefix and random hex with the
// rights of adminURL and applies schemas' migrations to it.
func NewDatabase(ctx context.Context, adminURL, prefix string, schemas ...db.Schema) (*Database, error) {
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	d := &Database{Name: prefix + hex.EncodeToString(suffix), admin: adminURL}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+d.Name)
	_ = admin.Close(ctx)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + d.Name
	d.URL = u.String()
	return d, db.Migrate(ctx, d.URL, nil, schemas...)
}

// Drop removes the database, closing whatever is still connected.
func (d *Database) Drop(ctx context.Context) {
	if c, err := pgx.Connect(ctx, d.admin); err == nil {
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+d.Name+" WITH (FORCE)")
		_ = c.Close(ctx)
	}
}
