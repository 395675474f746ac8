package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kuzbass/eko"
)

// errInvalid ends `eko verify` with status 1 after the report is printed.
var errInvalid = errors.New("the credential is not valid")

// verify: eko verify [-dev] [-keys jwks.json] [-json] FILE — checks a
// credential (JSON with a Data Integrity proof, or a VC-JWT; "-" reads
// standard input) offline and says whether it is valid or why not.
func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	dev := fs.Bool("dev", false, "trust the development key (credentials exported from `make run`)")
	issuer := fs.String("issuer", eko.DefaultIssuer, "the issuer whose development key -dev trusts")
	keys := fs.String("keys", "", "a JSON Web Key Set to trust as well (the issuer's jwks.json)")
	asJSON := fs.Bool("json", false, "print the verification as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: eko verify [-dev] [-keys jwks.json] [-json] FILE")
	}
	var raw []byte
	var err error
	if fs.Arg(0) == "-" {
		raw, err = io.ReadAll(io.LimitReader(os.Stdin, 1<<20))
	} else {
		raw, err = os.ReadFile(fs.Arg(0))
	}
	if err != nil {
		return err
	}
	v, err := eko.VerifyCredential(context.Background(), raw, eko.VerifyOptions{KeysFile: *keys, Dev: *dev, Issuer: *issuer})
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(v, "", "  ")
		fmt.Println(string(b))
	} else {
		if v.Valid {
			fmt.Println("ДЕЙСТВИТЕЛЕН")
		} else {
			fmt.Println("НЕ ДЕЙСТВИТЕЛЕН:", v.Problem, "("+v.Reason+")")
		}
		for _, l := range [][2]string{{"Издатель", strings.TrimSpace(v.IssuerName + " " + v.IssuerID)}, {"Ключ", v.KeyID},
			{"Формат", v.Format}, {"Действует с", v.ValidFrom}, {"Действует до", v.ValidUntil}} {
			if l[1] != "" {
				fmt.Printf("%s: %s\n", l[0], l[1])
			}
		}
		if v.Development {
			fmt.Println("Подписан ключом разработки: не для настоящих документов")
		}
		if v.Status == "unchecked" {
			fmt.Println("Отзыв не проверен: проверка без сети (страница /verify проверяет и его)")
		}
		for _, a := range v.Achievements {
			fmt.Println("—", strings.TrimSpace(a.Name+". "+a.Description))
		}
	}
	if !v.Valid {
		return errInvalid
	}
	return nil
}

// keygen: eko keygen [-id key-1] — a new signing key: the seed for the
// CREDENTIAL_KEY secret and the public key set to add to trusted-keys.json.
func keygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	id := fs.String("id", "key-1", "the key's id (CREDENTIAL_KEY_ID)")
	issuer := fs.String("issuer", eko.DefaultIssuer, "the issuer (EKO_PUBLIC_URL + /api/build-portfolio/issuer)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	seed, jwks, err := eko.NewCredentialKey(*issuer, *id)
	if err != nil {
		return err
	}
	fmt.Printf("CREDENTIAL_KEY=%s\nCREDENTIAL_KEY_ID=%s\n# add to functions/build-portfolio/credential/trusted-keys.json:\n%s\n", seed, *id, jwks)
	return nil
}
