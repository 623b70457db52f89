package generate

import (
	"math/rand/v2"
	"time"

	"indberet/tenant/domain"
)

// CPRs makes unique made-up CPR numbers for one kommune, as CODES.md asks of test and demo
// data: a real date of birth that is never 1 January, and a sequence number whose modulus-11
// check fails, so that no such number has been issued to a person. The 7th digit follows the
// century rule (0–3 for births in the 1900s, 4–9 for 2000–2036), and the last digit is odd
// for men, even for women.
type CPRs struct {
	rng  *rand.Rand
	used map[string]bool
}

// NewCPRs returns a maker of CPR numbers drawn from seed that are not in existing (the
// kommune's CPR numbers already in the database).
func NewCPRs(seed uint64, existing []string) *CPRs {
	c := &CPRs{rng: rand.New(rand.NewPCG(seed, 0x43505221)), used: make(map[string]bool, len(existing))}
	for _, s := range existing {
		c.used[s] = true
	}
	return c
}

// Next returns a new CPR number (10 digits) of someone born on birth: moved to 2 January
// when it is 1 January, and to the next day when the day's numbers seem used up.
func (c *CPRs) Next(birth time.Time, woman bool) string {
	for tries := 0; ; tries++ {
		if tries > 0 && tries%1000 == 0 {
			birth = birth.AddDate(0, 0, 1)
		}
		if birth.Month() == time.January && birth.Day() == 1 {
			birth = birth.AddDate(0, 0, 1)
		}
		cpr := c.number(birth, woman)
		if !c.used[cpr] {
			c.used[cpr] = true
			return cpr
		}
	}
}

// number draws a CPR number for birth that fails the modulus-11 check.
func (c *CPRs) number(birth time.Time, woman bool) string {
	var b [10]byte
	put2 := func(i, v int) { b[i], b[i+1] = byte('0'+v/10), byte('0'+v%10) }
	put2(0, birth.Day())
	put2(2, int(birth.Month()))
	put2(4, birth.Year()%100)
	seq := c.rng.IntN(4000) // 7th digit 0–3: born in the 1900s
	if birth.Year() >= 2000 {
		seq = 4000 + c.rng.IntN(6000) // 7th digit 4–9 with a year ≤ 36: 2000–2036
	}
	b[6], b[7], b[8] = byte('0'+seq/1000), byte('0'+seq/100%10), byte('0'+seq/10%10)
	last := c.rng.IntN(5) * 2 // even: a woman
	if !woman {
		last++
	}
	b[9] = byte('0' + last)
	if domain.PassesMod11(b[:]) {
		// Exactly one last digit passes the check for the nine before it, so the next digit
		// of the same parity fails it.
		b[9] = byte('0' + (last+2)%10)
	}
	return string(b[:])
}
