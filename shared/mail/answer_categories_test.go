package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/mail"
	"github.com/productionflow/privacy-desk/shared/request"
)

// TestAnAnswerOfCategoriesCarriesNoCopy: an answer to know the categories
// lists what each system holds, says it carries no copy, and shows no
// download even if a link were given; the registry's words are escaped in
// HTML and on one line in text, and "who else receives it" with none
// listed is "nobody".
func TestAnAnswerOfCategoriesCarriesNoCopy(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.AccessCategories},
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: time.UTC,
		TeamAddress: "privacy@productionflow.example", CategoriesOnly: true,
		Systems: []mail.AnswerSystem{{Title: "Customer accounts", Outcome: mail.OutcomeFound}, {Title: "Payments", Outcome: mail.OutcomeNotFound}},
		Held: []mail.AnswerHeld{{System: "Customer accounts", Categories: []string{"contact <details>", "orders"},
			Sources: []string{"you\r\nBcc: x@evil.example"}, Purposes: []string{"service", "security"}}},
		Link: "https://privacy.example/download?t=abc", LinkExpires: time.Date(2026, 11, 9, 9, 0, 0, 0, time.UTC),
	}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Customer accounts: we found data about you here (what kinds: below)\n  - Payments: it held no data about you\n")
	assert.Contains(t, m.Text, "  - Customer accounts\n    Kinds of data: contact <details>; orders\n    Where it comes from: you Bcc: x@evil.example\n    Why we hold it: service; security\n    Who else receives it: nobody\n")
	assert.Contains(t, m.Text, "it carries no copy of any record.")
	assert.Contains(t, m.HTML, "Kinds of data: contact &lt;details&gt;; orders<br>")
	for _, part := range []string{m.Text, m.HTML} {
		assert.NotContains(t, part, "download?t=", "no link to a copy")
		assert.NotContains(t, strings.ToLower(part), "download your data")
	}

	a.Language = "es"
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Customer accounts: encontramos datos sobre usted (qué tipos: ver abajo)\n")
	assert.Contains(t, m.Text, "    Tipos de datos: contact <details>; orders\n    De dónde vienen: you Bcc: x@evil.example\n    Para qué los guardamos: service; security\n    Quién más los recibe: nadie\n")
	assert.Contains(t, m.HTML, "no incluye copia de ningún registro")
	assert.NotContains(t, m.Text, "download?t=")
	assert.NotContains(t, m.HTML, "download?t=")

	a.Language, a.Child = "en", true
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "What we found about the child, system by system:")
	assert.Contains(t, m.Text, "we found data about the child here")
}

// TestAnAnswerOfCategoriesNamesWhatMayHoldThePerson: a system that cannot
// be searched by person is named, with its categories, as one that may
// hold the person too, unchecked — in English and Spanish, escaped in HTML;
// only in an answer of categories.
func TestAnAnswerOfCategoriesNamesWhatMayHoldThePerson(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.AccessCategories},
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: time.UTC,
		TeamAddress: "privacy@productionflow.example", CategoriesOnly: true,
		Systems: []mail.AnswerSystem{{Title: "Customer accounts", Outcome: mail.OutcomeNotFound}},
		MayHold: []mail.AnswerHeld{{System: "Website <analytics>", Categories: []string{"how you used our website"}}},
	}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "These systems may hold data about you too, but we have no way to\nlook you up in them, so we could not check:\n  - Website <analytics>\n    Kinds of data: how you used our website\n")
	assert.Contains(t, m.HTML, "<strong>Website &lt;analytics&gt;</strong>")
	a.Language = "es"
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "Estos sistemas también pueden guardar datos sobre usted, pero no tenemos\nforma de buscarle en ellos, así que no pudimos comprobarlo:")
	a.Language, a.CategoriesOnly = "", false
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.NotContains(t, m.Text, "may hold data about you too", "only an answer of categories")
}

// TestAnAnswerNamesAnUncheckedSystemsKindsAsSuch: a system whose deletion
// found the person, with no export to say in which of its kinds, lists
// every kind it holds about people, and says so — in both languages, for
// a child too.
func TestAnAnswerNamesAnUncheckedSystemsKindsAsSuch(t *testing.T) {
	a := mail.Answer{
		RequestID: "PR-AAAA-BBBB-CCCC-DDDD", Kinds: []request.Kind{request.AccessCategories, request.Deletion},
		ReceivedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Location: time.UTC,
		TeamAddress: "privacy@productionflow.example", CategoriesOnly: true,
		Systems: []mail.AnswerSystem{{Title: "Paper files", Outcome: mail.OutcomeErasedByHand}},
		Held:    []mail.AnswerHeld{{System: "Paper files", Categories: []string{"contracts"}, Unchecked: true}},
	}
	m, err := mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "  - Paper files\n    Kinds of data it holds about people (it held data about you; which of these kinds was not checked): contracts\n")
	assert.Contains(t, m.HTML, "Kinds of data it holds about people (it held data about you; which of these kinds was not checked): contracts<br>")
	a.Child = true
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "(it held data about the child; which of these kinds was not checked)")
	a.Child, a.Language = false, "es"
	m, err = mail.RenderAnswer("jane@example.com", a)
	require.NoError(t, err)
	assert.Contains(t, m.Text, "    Tipos de datos que guarda sobre las personas (tenía datos suyos; no se comprobó de qué tipos): contracts\n")
}
