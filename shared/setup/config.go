package setup

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"reflect"
	"sort"
	"strings"

	"github.com/caarlos0/env/v11"

	"github.com/productionflow/privacy-desk/shared/clock/zone"
)

// Load reads a configuration struct from getenv (os.Getenv in mains): each
// field names its variable with an env tag, and may give a default
// (envDefault) or be required. Values are trimmed; an empty value counts as
// unset. check, when given, adds the problems no single variable shows (one
// variable needing another). Every problem is reported at once, in one
// error naming each variable.
func Load[T any](getenv func(string) string, check func(*T) []string) (T, error) {
	var cfg T
	params, err := env.GetFieldParams(&cfg)
	if err != nil {
		return cfg, fmt.Errorf("configuration: %w", err)
	}
	environ := map[string]string{}
	for _, p := range params {
		if v := strings.TrimSpace(getenv(p.Key)); v != "" {
			environ[p.Key] = v
		}
	}
	var problems []string
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: environ}); err != nil {
		problems = describe(err, variables(reflect.TypeOf(cfg)))
	}
	if check != nil {
		problems = append(problems, check(&cfg)...)
	}
	return cfg, Problems(problems)
}

// Problems joins configuration problems into one error, or nil when there
// are none.
func Problems(problems []string) error {
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
}

// describe turns env's errors into one line per variable.
func describe(err error, vars map[string]string) []string {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range agg.Errors {
		var notSet env.VarIsNotSetError
		var empty env.EmptyVarError
		var parse env.ParseError
		switch {
		case errors.As(e, &notSet):
			out = append(out, notSet.Key+" is required")
		case errors.As(e, &empty):
			out = append(out, empty.Key+" is required")
		case errors.As(e, &parse):
			name := vars[parse.Name]
			if name == "" {
				name = parse.Name
			}
			switch parse.Type.Kind() {
			case reflect.Bool:
				out = append(out, name+" must be true or false")
			case reflect.Int:
				out = append(out, name+" must be a whole number")
			default:
				out = append(out, name+" "+parse.Err.Error())
			}
		default:
			out = append(out, e.Error())
		}
	}
	return out
}

// variables maps each field of t (and of the structs it embeds or holds) to
// the variable its env tag names.
func variables(t reflect.Type) map[string]string {
	vars := map[string]string{}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("env"), ","); name != "" {
			vars[f.Name] = name
		} else if f.Type.Kind() == reflect.Struct {
			for k, v := range variables(f.Type) {
				vars[k] = v
			}
		}
	}
	return vars
}

// URL is a public URL the desk puts in mail or serves: https://, or
// http:// only on this machine (127.0.0.1, ::1 or exactly localhost), as
// the local stack serves it. It is the one rule for every URL variable.
type URL string

// UnmarshalText checks the rule; a URL that breaks it is refused.
func (u *URL) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if err := CheckURL(v); err != nil {
		return err
	}
	*u = URL(v)
	return nil
}

func (u URL) String() string { return string(u) }

// CheckURL applies URL's rule to v.
func CheckURL(v string) error {
	const rule = "must be an https:// URL (http:// only on 127.0.0.1, ::1 or localhost)"
	p, err := url.Parse(v)
	if err != nil || p.Host == "" || p.User != nil || p.Opaque != "" {
		return errors.New(rule)
	}
	switch p.Scheme {
	case "https":
		return nil
	case "http":
		if Loopback(p.Hostname()) {
			return nil
		}
	}
	return errors.New(rule)
}

// Loopback reports whether host is this machine: 127.0.0.1, ::1 or
// exactly localhost (not a name that merely starts with it).
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.IPv4(127, 0, 0, 1)) || ip.Equal(net.IPv6loopback))
}

// Address is an email address, optionally with a display name.
type Address string

// UnmarshalText refuses what is not an email address.
func (a *Address) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if _, err := mail.ParseAddress(v); err != nil {
		return errors.New("is not an email address")
	}
	*a = Address(v)
	return nil
}

func (a Address) String() string { return string(a) }

// Bare is the address without its display name ("privacy@example.com" of
// "Privacy Team <privacy@example.com>"): what people are told to write to
// and mailto links carry. "" for an empty or unreadable address.
func (a Address) Bare() string {
	if a == "" {
		return ""
	}
	p, err := mail.ParseAddress(string(a))
	if err != nil {
		return ""
	}
	return p.Address
}

// Addresses is a comma-separated list of email addresses; blank items are
// skipped.
type Addresses []string

// UnmarshalText refuses a list with an item that is not an email address.
func (l *Addresses) UnmarshalText(b []byte) error {
	var out []string
	for _, a := range strings.Split(string(b), ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		if _, err := mail.ParseAddress(a); err != nil {
			return errors.New("is not a comma-separated list of email addresses")
		}
		out = append(out, a)
	}
	*l = out
	return nil
}

// TimeZone is an IANA time zone name like America/New_York.
type TimeZone string

// UnmarshalText refuses an unknown zone (one neither in the machine's
// zoneinfo nor carried by package zone, which the message lists), and
// "Local" (the machine's own).
func (z *TimeZone) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if v == "Local" || v == "" {
		return errors.New("is not a time zone name like America/New_York")
	}
	if _, err := zone.Load(v); err != nil {
		return fmt.Errorf("is not a time zone name like America/New_York (where the machine has no zoneinfo, one of %s)", strings.Join(zone.Embedded(), ", "))
	}
	*z = TimeZone(v)
	return nil
}

func (z TimeZone) String() string { return string(z) }

// ARN is a state machine's ARN.
type ARN string

// UnmarshalText refuses what is not an ARN.
func (a *ARN) UnmarshalText(b []byte) error {
	v := strings.TrimSpace(string(b))
	if !strings.HasPrefix(v, "arn:") {
		return errors.New("must be a state machine ARN (arn:…)")
	}
	*a = ARN(v)
	return nil
}

func (a ARN) String() string { return string(a) }
