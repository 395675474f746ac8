package postgradeapi_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	postgradeapi "github.com/kuzbass/eko/functions/post-grade/api"

	"github.com/kuzbass/eko/shared/auth"
	"github.com/kuzbass/eko/shared/errs"
	"github.com/kuzbass/eko/shared/httpx"
)

// A program outside EKO reads a lesson's column of the journal with a
// user's token: the user's rights apply, and the answer says what they may do.
func Example() {
	ctx := context.Background()
	token, lessonID := "<a bearer token of the user>", uuid.MustParse("01938a6e-0000-7000-8000-000000000001")

	conn := httpx.Dial("post-grade", "http://127.0.0.1:8080")
	journal := postgradeapi.New(conn)
	ctx = auth.WithPrincipal(ctx, &auth.Principal{Token: token})
	column, err := journal.Journal(ctx, lessonID)
	var refusal *errs.Error
	switch {
	case errors.As(err, &refusal):
		fmt.Println("refused:", refusal.Code, refusal.Detail)
	case err != nil:
		fmt.Println("post-grade unavailable:", err)
	case column.MayEdit:
		fmt.Println("the lesson's teacher, the period open: SaveColumn may follow")
	}
}
