package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// The headers a trusted proxy writes the client's address in.
const (
	// HeaderFlyClientIP is Fly.io's: its proxy sets it to the address it accepted the
	// connection from, overwriting what a client sent.
	HeaderFlyClientIP = "Fly-Client-IP"
	// HeaderForwardedFor is every other proxy's: each appends the address it was reached
	// from, so the client wrote everything left of what the trusted proxies appended.
	HeaderForwardedFor = "X-Forwarded-For"
)

// Proxies are the reverse proxies in front of the app whose word on the client's address it
// takes (TRUSTED_PROXIES, issue 14 #5): the login throttle, the audit and CPR access logs
// and the sessions record that address. Without them every request's client is its peer,
// and headers that claim otherwise are ignored (a client can write any of them).
type Proxies struct {
	// Trusted are the proxies' addresses, from TRUSTED_PROXIES.
	Trusted []netip.Prefix
	// Header is where they write the client's address: HeaderFlyClientIP on Fly.io (where
	// Fly sets FLY_APP_NAME), HeaderForwardedFor elsewhere.
	Header string
}

// parseProxies reads TRUSTED_PROXIES: IP addresses and CIDR ranges separated by commas.
func parseProxies(list string, onFly bool) (Proxies, error) {
	p := Proxies{Header: HeaderForwardedFor}
	if onFly {
		p.Header = HeaderFlyClientIP
	}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			addr, aerr := netip.ParseAddr(item)
			if aerr != nil {
				return p, fmt.Errorf("%q is neither an IP address nor a CIDR range (such as 10.0.0.0/8 or fdaa::/16)", item)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if prefix.Bits() == 0 {
			return p, fmt.Errorf("%q trusts every address, so any client could choose the address the app records", item)
		}
		p.Trusted = append(p.Trusted, prefix.Masked())
	}
	return p, nil
}

// Strings are the trusted ranges as text, for Fiber's TrustedProxies.
func (p Proxies) Strings() []string {
	out := make([]string, len(p.Trusted))
	for i, t := range p.Trusted {
		out[i] = t.String()
	}
	return out
}

// Trusts tells whether a is one of the trusted proxies.
func (p Proxies) Trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, t := range p.Trusted {
		if t.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the client's address of a request from peer whose Header has the values
// (every line of it, in order). A peer that is not a trusted proxy is the client. From a
// trusted proxy, Fly-Client-IP is the client when it is an address; of X-Forwarded-For, the
// rightmost address that is not a trusted proxy (those left of it were written by the
// client), or the leftmost when all are (a request from the proxies' own network). A
// header that is missing or not an address leaves the nearest address known: the peer, or
// the last trusted proxy passed.
func (p Proxies) ClientIP(peer netip.Addr, values []string) string {
	peer = peer.Unmap()
	if !p.Trusts(peer) {
		return peer.String()
	}
	if p.Header == HeaderFlyClientIP {
		if len(values) > 0 {
			if a, ok := parseHop(values[0]); ok {
				return a.String()
			}
		}
		return peer.String()
	}
	hops := strings.Split(strings.Join(values, ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !p.Trusts(a) {
			break
		}
	}
	return client.String()
}

// parseHop reads one address of a header: an IP address, possibly with a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}
