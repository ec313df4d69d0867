// Package csvcell makes text safe to put in a CSV file a person opens in a
// spreadsheet: the access package's CSV files and the console's downloads.
package csvcell

import "strings"

// Inert gives a string that a spreadsheet would run as a formula (one that
// starts with =, +, -, @, a tab or a carriage return) a leading
// apostrophe. A value that starts with + or - and is only digits, spaces
// and ( ) - . / (a phone number, a signed amount) calls nothing and is kept
// as it is: "+1 512 555 0101" stays the person's number.
func Inert(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if (s[0] == '+' || s[0] == '-') && len(s) > 1 && strings.Trim(s[1:], "0123456789 ()-./") == "" && strings.ContainsAny(s, "0123456789") {
		return s
	}
	return "'" + s
}
