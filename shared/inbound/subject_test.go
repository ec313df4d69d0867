package inbound

import (
	"context"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TestReadCorpusDescribes checks what Read keeps beyond the kinds: the
// child a child's-data request is about, the correction as the mail
// describes it, and the desk mail and request a reply answers.
func TestReadCorpusDescribes(t *testing.T) {
	tests := []struct {
		file        string
		child       *request.Subject
		corrections []request.CorrectionItem
		refs        []string
		requestIDs  []string
	}{
		{file: "child-daughter-named.eml", child: &request.Subject{Name: "Emma Mills", Email: "emma.mills.2013@gmail.com"}},
		{file: "es-mi-hija-nombre.eml", child: &request.Subject{Name: "Lucía Gómez Pérez"}},
		{file: "child-no-identifiers.eml"}, // the only address is the sender's own
		{file: "child-my-son.eml"},
		{file: "es-menor.eml"},
		{file: "correction-birth-date.eml", corrections: []request.CorrectionItem{{
			Item:  CorrectionItemFromMail,
			Right: "Hi, My date of birth on my account is wrong: you have 1990-03-04 but it should be 1990-04-03. Please correct it. Ana",
		}}},
		{file: "html-only-correction.eml", corrections: []request.CorrectionItem{{
			Item:  CorrectionItemFromMail,
			Right: "Hello, The postal address you have for me *is wrong*. Please correct my address to 12 Oak Street, Springfield. Sam",
		}}},
		{file: "gmail-delete.eml"},
		{
			file: "reply-to-ack-in-reply-to.eml",
			refs: []string{
				"010001938c1d2e3f-4a5b6c7d-8e9f-0a1b-2c3d-4e5f6a7b8c9d-000000@email.amazonses.com",
				"CAHb3xK1_first@mail.gmail.com",
			},
			requestIDs: []string{"PR-ABCD-EFGH-IJKL-MNOP"},
		},
		{
			file:       "reply-unclear-answer.eml",
			refs:       []string{"0100019a1b2c3d4e-aaaa-bbbb-cccc-dddd-000000@us-east-1.amazonses.com"},
			requestIDs: []string{"PR-ABCD-EFGH-IJKL-MNOQ"},
		},
		{
			file:       "es-reply-unclear-answer.eml",
			refs:       []string{"0100019a1b2c3d4e-eeee-ffff-0000-1111-000000@email.amazonses.com"},
			requestIDs: []string{"PR-ABCD-EFGH-IJKL-MNOR"},
		},
		{file: "reply-quoted-choices.eml", refs: []string{"ack-0001@productionflow.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", "corpus", tc.file))
			require.NoError(t, err)
			defer f.Close()
			res, err := Read(context.Background(), f, pass, ours, DefaultLimits())
			require.NoError(t, err)
			assert.Equal(t, tc.child, res.Child, "child")
			assert.Equal(t, tc.corrections, res.Corrections, "corrections")
			assert.Equal(t, tc.refs, res.Refs, "refs")
			assert.Equal(t, tc.requestIDs, res.RequestIDs, "request IDs")
		})
	}
}

func TestChildName(t *testing.T) {
	tests := []struct{ text, name string }{
		{"My son Lucas is 15.", "Lucas"},
		{"my daughter, Ana María Ruiz, has an account", "Ana María Ruiz"},
		{"It is about my child named Leo O'Neil.", "Leo O'Neil"},
		{"mi hijo llamado Tomás tiene 12 años", "Tomás"},
		{"Mi hija: Sofía", "Sofía"},
		{"My son is 15.", ""},
		{"My son's account", ""},
		{"my son He signed up", ""},
		{"my son\nKaren", ""},
		{"Amy son Bob", ""},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			res := &Result{Text: tc.text, Kinds: []request.Kind{request.ChildData}, From: mustAddress("p@example.com")}
			describe(res, ours)
			got := ""
			if res.Child != nil {
				got = res.Child.Name
			}
			assert.Equal(t, tc.name, got)
		})
	}
}

func TestChildAddressIsNeverOurs(t *testing.T) {
	res := &Result{
		Text:  "Write to privacy@productionflow.com or to me at P@Example.com. My son uses leo@example.net.",
		Kinds: []request.Kind{request.ChildData}, From: mustAddress("p@example.com"),
	}
	describe(res, ours)
	require.NotNil(t, res.Child)
	assert.Equal(t, "leo@example.net", res.Child.Email)
}

func TestCorrectionIsBounded(t *testing.T) {
	res := &Result{Text: "My name is wrong. " + strings.Repeat("ñ", 2*MaxCorrectionText), Kinds: []request.Kind{request.Correction}}
	describe(res, ours)
	require.Len(t, res.Corrections, 1)
	assert.Equal(t, MaxCorrectionText, len([]rune(res.Corrections[0].Right)))
}

func TestMessageRefs(t *testing.T) {
	var many []string
	for i := range 30 {
		many = append(many, "<r"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@x>")
	}
	tests := []struct {
		name, inReplyTo, references string
		want                        []string
	}{
		{"none", "", "", nil},
		{"in-reply-to first, nearest reference next", "<b@x>", "<a@x> <b@x> <c@x>", []string{"b@x", "c@x", "a@x"}},
		{"no brackets is no id", "b@x", "", nil},
		{"bounded, the nearest kept", "", strings.Join(many, " "), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := messageRefs(tc.inReplyTo, tc.references)
			if tc.name == "bounded, the nearest kept" {
				require.Len(t, got, MaxRefs)
				assert.Equal(t, strings.Trim(many[len(many)-1], "<>"), got[0])
				return
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDeskMessageID(t *testing.T) {
	tests := []struct {
		ref, id string
		ok      bool
	}{
		{"<0100019a1b2c-aaaa-000000@email.amazonses.com>", "0100019a1b2c-aaaa-000000", true},
		{"0100019a1b2c-aaaa-000000@eu-west-1.AMAZONSES.com", "0100019a1b2c-aaaa-000000", true},
		{"CAHb3xK1@mail.gmail.com", "", false},
		{"x@notamazonses.com", "", false},
		{"@email.amazonses.com", "", false},
		{"a b@email.amazonses.com", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			id, ok := DeskMessageID(tc.ref)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.id, id)
		})
	}
}

func TestSenderUnusable(t *testing.T) {
	tests := []struct {
		name, headers string
		unusable      bool
		reason        string
	}{
		{"no From", "To: privacy@productionflow.com\r\nSubject: delete my data\r\n", true, ReasonNoSender},
		{"unparsable From", "From: <<not an address\r\nTo: privacy@productionflow.com\r\nSubject: delete my data\r\n", true, ReasonNoSender},
		{"our own address", "From: privacy@productionflow.com\r\nTo: privacy@productionflow.com\r\nSubject: delete my data\r\n", true, ReasonOwnAddress},
		{"our own notice coming back", "From: privacy@productionflow.com\r\nAuto-Submitted: auto-generated\r\nTo: privacy@productionflow.com\r\nSubject: Reply to PR-1\r\n", false, "auto-submitted message"},
		{"a bounce", "From: MAILER-DAEMON@example.com\r\nTo: privacy@productionflow.com\r\nSubject: failure\r\n", false, "bounce: sent by mail system"},
		{"a person", "From: a@example.com\r\nTo: privacy@productionflow.com\r\nSubject: delete my data\r\n", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Read(context.Background(), strings.NewReader(tc.headers+"\r\nplease delete my data\r\n"), pass, ours, DefaultLimits())
			require.NoError(t, err)
			assert.Equal(t, tc.unusable, res.SenderUnusable)
			assert.Equal(t, tc.reason, res.Reason)
			assert.Equal(t, tc.reason == "", res.Reply)
		})
	}
}

func mustAddress(a string) mail.Address { return mail.Address{Address: a} }
