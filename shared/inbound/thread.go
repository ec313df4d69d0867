package inbound

import (
	"regexp"
	"strings"
	"sync"
)

// MaxRefs bounds how many message IDs (In-Reply-To, References) and request
// IDs (subject) one message may name for the desk to look up.
const MaxRefs = 20

// maxRefLen bounds one message ID; RFC 5322 lines are at most 998 octets.
const maxRefLen = 250

// msgIDPattern finds a message ID in angle brackets. It is compiled on
// first use, as are this package's other expressions and tables, not at
// the cold start of every function linking the package.
var msgIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`<([^<>\s]{1,250})>`)
})

// messageRefs lists the message IDs in In-Reply-To and References, In-Reply-To
// first, without angle brackets or repeats. The References list names the
// thread's oldest message first; the nearest ones matter most, so when there
// are too many the last MaxRefs are kept.
func messageRefs(inReplyTo, references string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(ids []string) {
		for _, id := range ids {
			if len(out) >= MaxRefs {
				return
			}
			key := strings.ToLower(id)
			if id == "" || len(id) > maxRefLen || seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, id)
		}
	}
	add(bracketed(inReplyTo))
	refs := bracketed(references)
	if len(refs) > MaxRefs {
		refs = refs[len(refs)-MaxRefs:]
	}
	for i, j := 0, len(refs)-1; i < j; i, j = i+1, j-1 {
		refs[i], refs[j] = refs[j], refs[i]
	}
	add(refs)
	return out
}

func bracketed(h string) []string {
	var ids []string
	for _, m := range msgIDPattern().FindAllStringSubmatch(h, 4*MaxRefs) {
		ids = append(ids, m[1])
	}
	return ids
}

// DeskMessageID returns the SES message ID inside a Message-ID SES wrote:
// SES sets Message-ID to <{SES message ID}@{region}.amazonses.com> (or
// @email.amazonses.com), so a reply's In-Reply-To names the ID SendEmail
// returned. ok is false for any other message ID.
func DeskMessageID(ref string) (sesID string, ok bool) {
	local, domain, found := strings.Cut(strings.Trim(strings.TrimSpace(ref), "<>"), "@")
	domain = strings.ToLower(domain)
	if !found || local == "" || (domain != "amazonses.com" && !strings.HasSuffix(domain, ".amazonses.com")) {
		return "", false
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return "", false
		}
	}
	return local, true
}

// requestIDPattern is request.NewID's form: "PR-" and four groups of four
// base32 characters.
var requestIDPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\bPR-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b`)
})

// subjectRequestIDs lists the request IDs a subject names ("Re: We received
// your privacy request PR-..."), upper-cased, without repeats.
func subjectRequestIDs(subject string) []string {
	var out []string
	for _, id := range requestIDPattern().FindAllString(subject, MaxRefs) {
		id = strings.ToUpper(id)
		if !containsString(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
