package system

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
)

// ParseRebase reads origin=base pairs separated by commas
// ("https://api.stripe.com=http://127.0.0.1:4242,…") into the map
// Options.Rebase takes, and checks each pair with CheckRebase.
func ParseRebase(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		origin, base, ok := strings.Cut(pair, "=")
		origin, base = strings.TrimSpace(origin), strings.TrimSpace(base)
		if !ok || origin == "" || base == "" {
			return nil, fmt.Errorf("%q is not origin=base", pair)
		}
		if _, dup := out[origin]; dup {
			return nil, fmt.Errorf("origin %s is rebased twice", origin)
		}
		out[origin] = base
	}
	return out, CheckRebase(out)
}

// CheckRebase checks a map of production origins to local base URLs: each
// origin is https://host[:port] with nothing after it, each base is
// http://127.0.0.1, http://localhost or http://[::1] (with a port) with
// nothing after it either. Rebasing can only send a call to this machine.
func CheckRebase(rebase map[string]string) error {
	for _, origin := range slices.Sorted(maps.Keys(rebase)) {
		base := rebase[origin]
		if u, err := url.Parse(origin); err != nil || u.Scheme != "https" || u.Host == "" || !bare(u) {
			return fmt.Errorf("origin %q is not https://host[:port]", origin)
		}
		u, err := url.Parse(base)
		if err != nil || u.Scheme != "http" || !bare(u) || !isLoopback(u.Host) {
			return fmt.Errorf("base %q for %s is not http://127.0.0.1:port or http://localhost:port", base, origin)
		}
	}
	return nil
}

// bare reports whether u is scheme://host[:port] alone.
func bare(u *url.URL) bool {
	return u.User == nil && (u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery && u.Opaque == ""
}

func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return host == "127.0.0.1" || host == "localhost" || host == "::1"
}

// rebase replaces the origin of every call URL found in opts.Rebase and
// returns the problems: rebasing without AllowLocalHTTP, a bad pair, or an
// origin no call uses (a typo would otherwise send nothing anywhere).
func (r *Registry) rebase(opts Options) []string {
	if len(opts.Rebase) == 0 {
		return nil
	}
	if !opts.Template.AllowLocalHTTP {
		return []string{"rebase: only allowed together with local HTTP (SYSTEMS_ALLOW_LOCAL_HTTP=true)"}
	}
	if err := CheckRebase(opts.Rebase); err != nil {
		return []string{"rebase: " + err.Error()}
	}
	used := map[string]bool{}
	for i := range r.Systems {
		for _, m := range r.Systems[i].Actions {
			if m == nil {
				continue
			}
			for j := range m.Calls {
				c := &m.Calls[j]
				for origin, base := range opts.Rebase {
					origin = strings.TrimSuffix(origin, "/")
					rest, ok := strings.CutPrefix(c.URL, origin)
					if ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
						c.URL = strings.TrimSuffix(base, "/") + rest
						used[origin] = true
						break
					}
				}
			}
		}
	}
	var problems []string
	for _, origin := range slices.Sorted(maps.Keys(opts.Rebase)) {
		if !used[strings.TrimSuffix(origin, "/")] {
			problems = append(problems, fmt.Sprintf("rebase: no call goes to %s", origin))
		}
	}
	return problems
}
