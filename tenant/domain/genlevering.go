package domain

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// AarsagMaks is the longest reason a genlevering takes (I8), in characters.
const AarsagMaks = 500

// GenleveringInput is a genlevering (I8) as DST asks for it: the kommune, the periode (""
// means the kommune's latest delivered one) and the reason.
type GenleveringInput struct {
	Kommune string // "København (101)" in the messages
	Periode string
	Aarsag  string
}

// GenleveringFejl is a genlevering refused for its input: Field is "aarsag" or "periode",
// Msg the Danish message.
type GenleveringFejl struct {
	Field, Msg string
}

func (e *GenleveringFejl) Error() string { return e.Msg }

// TjekGenlevering checks a genlevering of in.Periode for a kommune whose latest delivered
// periode is senest ("" while none) and returns the periode to redeliver (I8: only the
// latest periode can be redelivered, and a reason is required). The reason comes back
// trimmed.
func TjekGenlevering(in GenleveringInput, senest string) (periode, aarsag string, err error) {
	aarsag = strings.TrimSpace(in.Aarsag)
	switch {
	case senest == "":
		return "", "", &GenleveringFejl{"periode", fmt.Sprintf("%s har ingen leveret periode, der kan genleveres.", in.Kommune)}
	case in.Periode != "" && in.Periode != senest:
		return "", "", &GenleveringFejl{"periode", fmt.Sprintf(
			"Periode %s kan ikke genleveres for %s: kun den seneste leverede periode kan genleveres, og det er %s.",
			in.Periode, in.Kommune, senest)}
	case aarsag == "":
		return "", "", &GenleveringFejl{"aarsag", "Skriv årsagen til genleveringen."}
	case utf8.RuneCountInString(aarsag) > AarsagMaks:
		return "", "", &GenleveringFejl{"aarsag", fmt.Sprintf("Årsagen må højst være %d tegn.", AarsagMaks)}
	}
	return senest, aarsag, nil
}
