package request

// IsID reports whether s is a request ID as NewID makes it: PR- and four
// groups of four of A-Z and 2-7, joined by '-'. A loop, not a regular
// expression compiled at every cold start.
func IsID(s string) bool {
	if len(s) != idLen || s[:3] != "PR-" {
		return false
	}
	for i := 3; i < len(s); i++ {
		c := s[i]
		if (i-3)%5 == 4 {
			if c != '-' {
				return false
			}
			continue
		}
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return false
		}
	}
	return true
}

// idLen is the length of every request ID.
const idLen = len("PR-ABCD-ABCD-ABCD-ABCD")

// FindID returns the first request ID in text standing as a word of its
// own (not inside a longer run of letters, digits or '_'), or "".
func FindID(text string) string {
	for i := 0; i+idLen <= len(text); i++ {
		if text[i] != 'P' || (i > 0 && isWordByte(text[i-1])) {
			continue
		}
		if end := i + idLen; IsID(text[i:end]) && (end == len(text) || !isWordByte(text[end])) {
			return text[i:end]
		}
	}
	return ""
}

func isWordByte(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// SafeKey reports whether s can be a segment of a storage key (an S3
// object name, a part's name): 1 to 128 ASCII letters, digits, '_' or
// '-', so no key built from it can climb out of its prefix.
func SafeKey(s string) bool {
	if len(s) < 1 || len(s) > 128 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !isWordByte(c) && c != '-' {
			return false
		}
	}
	return true
}
