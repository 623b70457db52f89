package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// minRetentionMonths is the shortest LOG_RETENTION accepted; the database refuses shorter
// periods too (tenant.MinLogRetentionMonths, 00024), and any below the floor its owner set
// (log_retention_floor, 60 months unless lowered, 00025), which serve and worker check at
// their start.
const minRetentionMonths = 12

// retentionRE is a LOG_RETENTION: whole years ("5y", "5 years") or months ("18mo",
// "18 months"). Not "m", which reads as minutes in a Go duration.
var retentionRE = regexp.MustCompile(`^([0-9]{1,4}) ?(y|years?|mo|months?)$`)

// parseRetention reads a LOG_RETENTION (issue 14 #13) as months.
func parseRetention(s string) (int, error) {
	m := retentionRE.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("want years or months, e.g. \"5y\" or \"18mo\", got %q", s)
	}
	n, _ := strconv.Atoi(m[1])
	if strings.HasPrefix(m[2], "y") {
		n *= 12
	}
	if n < minRetentionMonths {
		return 0, fmt.Errorf("the logs are kept at least %d months, got %q", minRetentionMonths, s)
	}
	return n, nil
}
