package config

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// issue 14 #5: TRUSTED_PROXIES is a list of addresses and CIDR ranges; without it no header
// is trusted, and Fly.io's header is the one on Fly.
func TestTrustedProxies(t *testing.T) {
	c, err := Parse(env(nil))
	if err != nil || len(c.Proxies.Trusted) != 0 || c.Proxies.Header != HeaderForwardedFor {
		t.Errorf("default: %+v %v, want no trusted proxy", c.Proxies, err)
	}
	c, err = Parse(env(map[string]string{"TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7,fdaa::/16 ,::ffff:198.51.100.1, 172.16.9.9/12,"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "fdaa::/16", "198.51.100.1/32", "172.16.0.0/12"}
	if got := c.Proxies.Strings(); !slices.Equal(got, want) {
		t.Errorf("TRUSTED_PROXIES = %v, want %v", got, want)
	}
	c, err = Parse(env(map[string]string{"TRUSTED_PROXIES": "172.16.0.0/12", "FLY_APP_NAME": "indberet"}))
	if err != nil || c.Proxies.Header != HeaderFlyClientIP {
		t.Errorf("on Fly: %+v %v, want Fly-Client-IP", c.Proxies, err)
	}
	for value, msg := range map[string]string{
		"proxy.example":      `"proxy.example" is neither an IP address nor a CIDR range`,
		"10.0.0.0/33":        `"10.0.0.0/33" is neither`,
		"10.0.0.1, 10.0.0.x": `"10.0.0.x" is neither`,
		"0.0.0.0/0":          "trusts every address",
		"::/0":               "trusts every address",
	} {
		_, err := Parse(env(map[string]string{"TRUSTED_PROXIES": value}))
		if err == nil || !strings.HasPrefix(err.Error(), "TRUSTED_PROXIES: ") || !strings.Contains(err.Error(), msg) {
			t.Errorf("TRUSTED_PROXIES=%q: %v, want an error saying %q", value, err, msg)
		}
	}
}

// issue 14 #5: the client's address comes from a proxy's header only when the peer is a
// trusted proxy; from X-Forwarded-For the rightmost address that is no trusted proxy.
func TestClientIP(t *testing.T) {
	proxies, err := parseProxies("10.0.0.0/8, fdaa::/16", false)
	if err != nil {
		t.Fatal(err)
	}
	fly := proxies
	fly.Header = HeaderFlyClientIP
	none := Proxies{Header: HeaderForwardedFor}
	for _, tc := range []struct {
		name    string
		p       Proxies
		peer    string
		headers []string
		want    string
	}{
		{"no proxies: a spoofed header is ignored", none, "203.0.113.5", []string{"192.0.2.1"}, "203.0.113.5"},
		{"untrusted peer: a spoofed header is ignored", proxies, "203.0.113.5", []string{"192.0.2.1"}, "203.0.113.5"},
		{"untrusted peer on Fly", fly, "203.0.113.5", []string{"192.0.2.1"}, "203.0.113.5"},
		{"trusted proxy", proxies, "10.1.2.3", []string{"192.0.2.1"}, "192.0.2.1"},
		{"client's own entries are left of it", proxies, "10.1.2.3", []string{"1.1.1.1, 192.0.2.1"}, "192.0.2.1"},
		{"a chain of trusted proxies", proxies, "10.1.2.3", []string{"1.1.1.1, 192.0.2.1, 10.9.9.9, fdaa::3"}, "192.0.2.1"},
		{"several header lines", proxies, "10.1.2.3", []string{"1.1.1.1", "192.0.2.1, 10.9.9.9"}, "192.0.2.1"},
		{"IPv6 client", proxies, "fdaa::2", []string{"2001:db8::7"}, "2001:db8::7"},
		{"address with a port", proxies, "10.1.2.3", []string{"192.0.2.1:5555"}, "192.0.2.1"},
		{"IPv4-mapped", proxies, "::ffff:10.1.2.3", []string{"::ffff:192.0.2.1"}, "192.0.2.1"},
		{"all trusted: the leftmost", proxies, "10.1.2.3", []string{"10.8.0.1, 10.9.9.9"}, "10.8.0.1"},
		{"garbage left of the proxies", proxies, "10.1.2.3", []string{"nonsense, 10.9.9.9"}, "10.9.9.9"},
		{"no header from a proxy", proxies, "10.1.2.3", nil, "10.1.2.3"},
		{"garbage from a proxy", proxies, "10.1.2.3", []string{"unknown"}, "10.1.2.3"},
		{"Fly", fly, "10.1.2.3", []string{"192.0.2.1"}, "192.0.2.1"},
		{"Fly, IPv6", fly, "fdaa::2", []string{"2001:db8::7"}, "2001:db8::7"},
		{"Fly without its header", fly, "fdaa::2", nil, "fdaa::2"},
		{"Fly with garbage", fly, "10.1.2.3", []string{"1.2.3.4, 5.6.7.8"}, "10.1.2.3"},
	} {
		if got := tc.p.ClientIP(netip.MustParseAddr(tc.peer), tc.headers); got != tc.want {
			t.Errorf("%s: ClientIP(%s, %q) = %s, want %s", tc.name, tc.peer, tc.headers, got, tc.want)
		}
	}
}
