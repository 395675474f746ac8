package registry

import (
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/kuzbass/eko/shared/errs"
)

const (
	defaultLimit = 50
	maxLimit     = 500
)

func limitParam(s string) (int, error) {
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, errs.Fields("неверный параметр запроса", errs.FieldError{Field: "limit", Code: errs.Range, Message: "от 1 до " + strconv.Itoa(maxLimit)})
	}
	return n, nil
}

func uuidParam(name, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, errs.Fields("неверный идентификатор", errs.FieldError{Field: name, Code: errs.Format, Message: "идентификатор в формате UUID"})
	}
	return id, nil
}

func itoa(i int) string { return strconv.Itoa(i) }

// likeEscape escapes LIKE wildcards in user input.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
