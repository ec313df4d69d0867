package inbound

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/productionflow/privacy-desk/shared/request"
)

func TestTriageRules(t *testing.T) {
	tests := []struct {
		name, subject, text string
		kinds               []request.Kind
		agent               bool
		lang                string
	}{
		{"bare access means categories", "", "I want access to my information.", kinds(AC), false, "en"},
		{"specific pieces win over generic access", "", "Access request: the specific pieces of data you hold.", kinds(AS), false, "en"},
		{"categories named with specifics gives both", "", "Send me a copy of my data and the categories of sources.", kinds(AS, AC), false, "en"},
		{"word boundary: undeleted is not delete", "", "My undeleted drafts vanished.", kinds(U), false, "en"},
		{"word boundary: accessibility is not access", "", "Your accessibility page is broken.", kinds(U), false, "en"},
		{"case and accents ignored", "", "QUIERO QUE ELIMINÉN MIS DATOS", kinds(D), false, "es"},
		{"accent-free Spanish still matches", "", "Que datos tienen de mi?", kinds(AC), false, "es"},
		{"quoted lines ignored", "Re: hi", "Unsubscribe me please.\n> delete\n> do not sell\n", kinds(OM), false, "en"},
		{"remove alone in a list mail is unsubscribe", "", "Remove me. I never signed up for your newsletter.", kinds(OM), false, "en"},
		{"remove my data stays erasure", "", "Remove my data. Also I never asked for your newsletter.", kinds(D, OM), false, "en"},
		{"agent in Spanish", "", "Actúo en representación de mi madre; borren sus datos.", kinds(D), true, "es"},
		{"I represent", "", "I represent Mr. Smith and request deletion of his records.", kinds(D), true, "en"},
		{"under 18 is child data", "", "My daughter is under 18.", kinds(CH), false, "en"},
		{"opt out of sale", "Do Not Sell My Info", "", kinds(OS), false, "en"},
		{"stop emails", "", "Stop emails!!", kinds(OM), false, "en"},
		{"correction in Spanish", "", "Por favor corrijan mi nombre.", kinds(C), false, "es"},
		{"portability in Spanish", "", "Quiero exportar mis datos.", kinds(P), false, "es"},
		{"signature cut", "", "Thanks for the quick help!\n-- \nHead of Marketing\n", kinds(U), false, "en"},
		{"delete and tell me what you have: both", "", "Please delete all my data and tell me what you have on me.", kinds(AC, D), false, "en"},
		{"what you have on me", "", "What do you have on me? I would like to know.", kinds(AC), false, "en"},
		{"what you have in stock is no request", "", "Tell me what you have in stock in size 10.", kinds(U), false, "en"},
		{"what information you need is no request", "", "Can you tell me what information you need for my refund?", kinds(U), false, "en"},
		{"a copy of what you have on me is a copy", "", "Please send me a copy of what you have on me.", kinds(AS), false, "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := &Result{Subject: tc.subject, Text: tc.text, Priority: request.Normal, Reply: true}
			triage(res)
			assert.Equal(t, tc.kinds, res.Kinds)
			assert.Equal(t, tc.agent, res.Agent, "agent")
			assert.Equal(t, tc.lang, res.Language, "language")
		})
	}
}

func TestTriagePriority(t *testing.T) {
	tests := []struct {
		subject, text string
		priority      request.Priority
		regulation    string
	}{
		{"CCPA Request", "delete my data", E, "CCPA"},
		{"RE: ccpa request - access", "", E, "CCPA"},
		{"Solicitud CCPA", "borrar", E, "CCPA"},
		{"Question about the CCPA", "delete my data", N, ""},
		{"hello", "my son uses your app, delete his data", E, ""},
	}
	for _, tc := range tests {
		t.Run(tc.subject, func(t *testing.T) {
			res := &Result{Subject: tc.subject, Text: tc.text, Priority: request.Normal}
			triage(res)
			assert.Equal(t, tc.priority, res.Priority)
			assert.Equal(t, tc.regulation, res.Regulation)
		})
	}
}

func TestTextCutOnRuneBoundary(t *testing.T) {
	for _, max := range []int{1, 2, 3, 4, 5, 6, 7} {
		b := textBuilder{max: max}
		b.add("ñé€x") // 2 + 2 + 3 + 1 bytes
		assert.True(t, utf8.ValidString(b.String()), "max %d gave %q", max, b.String())
		assert.LessOrEqual(t, b.Len(), max)
		assert.GreaterOrEqual(t, b.Len(), max-2, "at most a partial rune is dropped")
	}
}
