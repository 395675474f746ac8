package db

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// writeUUIDsAsBytes makes m write google/uuid values as their 16 bytes.
// Without it pgx takes uuid.UUID's driver.Valuer — formatted as text, then
// parsed back — for every parameter and every COPY cell: most of the time of
// a large COPY (41 % of the seed's CPU in a profile).
func writeUUIDsAsBytes(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryUUIDBytes}, m.TryWrapEncodePlanFuncs...)
}

func tryUUIDBytes(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	if id, ok := value.(uuid.UUID); ok {
		return &uuidBytesPlan{}, [16]byte(id), true
	}
	return nil, nil, false
}

// uuidBytesPlan hands a uuid.UUID on as [16]byte.
type uuidBytesPlan struct{ next pgtype.EncodePlan }

func (p *uuidBytesPlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidBytesPlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode([16]byte(value.(uuid.UUID)), buf)
}
