package accounts

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"indberet/tenant/access"
	"indberet/tenant/domain"
)

// The fields of the messages of CheckNewUser, CheckRoles and CheckNewPassword.
const (
	FieldName            = "navn"
	FieldEmail           = "email"
	FieldRoles           = "roller"
	FieldCurrentPassword = "adgangskode"
	FieldNewPassword     = "ny-adgangskode"
	FieldRepeatPassword  = "gentag-adgangskode"
)

// Lengths of the fields of a user.
const (
	NameMax  = 200
	EmailMax = 254
)

// KommuneRoles are the roles a kommune's administrator grants in their own kommune (T2):
// the right to administer the data (indberetter), read access, and administrator.
var KommuneRoles = []string{access.Indberetter, access.Laeser, access.Kommuneadmin}

// CheckNewUser checks what a kommune's administrator typed for a new user: a name, an e-mail
// address of the usual form, and roles among KommuneRoles (none is allowed: such a user sees
// the message of T2 until given a right).
func CheckNewUser(name, email string, roles []string) domain.Errors {
	errs := domain.Errors{}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		errs[FieldName] = "Angiv brugerens navn."
	case utf8.RuneCountInString(name) > NameMax:
		errs[FieldName] = fmt.Sprintf("Navnet må højst være på %d tegn.", NameMax)
	}
	if msg := checkEmail(strings.TrimSpace(email)); msg != "" {
		errs[FieldEmail] = msg
	}
	for k, v := range CheckRoles(roles) {
		errs[k] = v
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

func checkEmail(s string) string {
	const invalid = "Angiv en gyldig e-mailadresse, fx navn@kommune.dk."
	switch {
	case s == "":
		return "Angiv brugerens e-mailadresse."
	case utf8.RuneCountInString(s) > EmailMax:
		return fmt.Sprintf("E-mailadressen må højst være på %d tegn.", EmailMax)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return invalid
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if !strings.Contains(domain, ".") || strings.HasPrefix(domain, "[") || strings.HasSuffix(domain, ".") {
		return invalid
	}
	return ""
}

// CheckRoles checks that every role is one a kommune's administrator may grant.
func CheckRoles(roles []string) domain.Errors {
	for _, r := range roles {
		if !slices.Contains(KommuneRoles, r) {
			return domain.Errors{FieldRoles: "Vælg blandt rettighederne på listen."}
		}
	}
	return nil
}

// CheckNewPassword checks a new password typed twice: at least MinPasswordLength characters,
// the same both times, and not the current one.
func CheckNewPassword(current, next, repeat string) domain.Errors {
	errs := domain.Errors{}
	switch {
	case next == "":
		errs[FieldNewPassword] = "Angiv en ny adgangskode."
	case utf8.RuneCountInString(next) < MinPasswordLength:
		errs[FieldNewPassword] = fmt.Sprintf("Den nye adgangskode skal have mindst %d tegn.", MinPasswordLength)
	case next == current:
		errs[FieldNewPassword] = "Den nye adgangskode skal være en anden end den nuværende."
	case repeat != next:
		errs[FieldRepeatPassword] = "Gentag den nye adgangskode præcis, som du skrev den første gang."
	}
	if current == "" {
		errs[FieldCurrentPassword] = "Angiv din nuværende adgangskode."
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// KeepsAdministrator tells whether a change to user id leaves the kommune an active
// administrator, the one who grants its users their rights (T2). admins are the kommune's
// active administrators before the change; adminAfter tells whether the user is an active
// administrator after it. Only taking the role from, or deactivating, the last one is
// refused; a kommune that has none (the platform administrator appoints the first) may be
// changed freely.
func KeepsAdministrator(admins []int64, id int64, adminAfter bool) bool {
	if adminAfter {
		return true
	}
	for _, a := range admins {
		if a != id {
			return true
		}
	}
	return len(admins) == 0
}

// sortRoles puts roles in the order of access.Roles.
func sortRoles(roles []string) {
	slices.SortFunc(roles, func(a, b string) int { return roleIndex(a) - roleIndex(b) })
}

func roleIndex(name string) int {
	return slices.IndexFunc(access.Roles, func(r access.Role) bool { return r.Name == name })
}
