package inbound

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/request"
)

// ours are the desk's own sending addresses in every test.
var ours = []string{"privacy@productionflow.com", "no-reply@productionflow.com"}

var (
	pass = Verdicts{Spam: "PASS", Virus: "PASS", SPF: "PASS", DKIM: "PASS", DMARC: "PASS"}
	none []request.Kind // no request: the message is not answered
)

func kinds(k ...request.Kind) []request.Kind { return k }

const (
	AS = request.AccessSpecific
	AC = request.AccessCategories
	D  = request.Deletion
	C  = request.Correction
	P  = request.Portability
	OS = request.OptOutSale
	OM = request.OptOutMarketing
	CH = request.ChildData
	U  = request.Unclear
	N  = request.Normal
	E  = request.Expedited
)

type outcome struct {
	kinds      []request.Kind
	priority   request.Priority
	agent      bool
	reply      bool
	quarantine bool
	unreadable bool
	lang       string
}

// corpus is one row per fixture in testdata/corpus. Verdicts default to PASS.
var corpus = []struct {
	file     string
	verdicts *Verdicts
	want     outcome
}{
	{"gmail-delete.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"outlook-what-data.eml", nil, outcome{kinds(AC), N, false, true, false, false, "en"}},
	{"apple-copy-of-data.eml", nil, outcome{kinds(AS), N, false, true, false, false, "en"}},
	{"html-only-correction.eml", nil, outcome{kinds(C), N, false, true, false, false, "en"}},
	{"base64-portability.eml", nil, outcome{kinds(P), N, false, true, false, false, "en"}},
	{"qp-unsubscribe.eml", nil, outcome{kinds(OM), N, false, true, false, false, "en"}},
	{"do-not-sell.eml", nil, outcome{kinds(OS), N, false, true, false, false, "en"}},
	{"ccpa-request-delete.eml", nil, outcome{kinds(D), E, false, true, false, false, "en"}},
	{"ccpa-request-right-to-know.eml", nil, outcome{kinds(AC), E, false, true, false, false, "en"}},
	{"ccpa-request-personal-information.eml", nil, outcome{kinds(AC), E, false, true, false, false, "en"}},
	{"ccpa-request-encoded-subject.eml", nil, outcome{kinds(D), E, false, true, false, false, "es"}},
	{"ccpa-agent-opt-out.eml", nil, outcome{kinds(OS), E, true, true, false, false, "en"}},
	{"es-borrar.eml", nil, outcome{kinds(D), N, false, true, false, false, "es"}},
	{"es-acceso-iso88591.eml", nil, outcome{kinds(AC), N, false, true, false, false, "es"}},
	{"es-darse-de-baja.eml", nil, outcome{kinds(OM), N, false, true, false, false, "es"}},
	{"es-no-vender.eml", nil, outcome{kinds(OS), N, false, true, false, false, "es"}},
	{"es-agente.eml", nil, outcome{kinds(D), N, true, true, false, false, "es"}},
	{"es-menor.eml", nil, outcome{kinds(CH), E, false, true, false, false, "es"}},
	{"es-rectificar-cp1252.eml", nil, outcome{kinds(C), N, false, true, false, false, "es"}},
	{"gmail-base64-es.eml", nil, outcome{kinds(D), N, false, true, false, false, "es"}},
	{"html-only-es-portabilidad.eml", nil, outcome{kinds(P), N, false, true, false, false, "es"}},
	// a parent's deletion words are about the child: child-data only,
	// unless the parent asks for their own data too
	{"child-my-son.eml", nil, outcome{kinds(CH), E, false, true, false, false, "en"}},
	{"child-under-18.eml", nil, outcome{kinds(U), E, false, true, false, false, "en"}},
	{"child-daughter-named.eml", nil, outcome{kinds(CH), E, false, true, false, false, "en"}},
	{"child-no-identifiers.eml", nil, outcome{kinds(CH), E, false, true, false, false, "en"}},
	{"es-mi-hija-nombre.eml", nil, outcome{kinds(CH), E, false, true, false, false, "es"}},
	{"child-son-address.eml", nil, outcome{kinds(CH), E, false, true, false, false, "en"}},
	// ...and one request acts on one person: a child's data with the
	// writer's own deletion is unclear, and the team splits it
	{"child-and-parent-own.eml", nil, outcome{kinds(U), E, false, true, false, false, "en"}},
	{"child-parent-used-my-account.eml", nil, outcome{kinds(U), E, false, true, false, false, "en"}},
	// a kind named only under a negation is not asked for
	{"negation-do-not-delete.eml", nil, outcome{kinds(AS), N, false, true, false, false, "en"}},
	{"es-no-borren.eml", nil, outcome{kinds(AC), N, false, true, false, false, "es"}},
	// a deletion in doubt (a negation the desk cannot place, or asked and
	// negated) makes the whole mail unclear
	{"negation-under-any-circumstances.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"delete-not-before-copy.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	// ...and so does any negation the desk does not read as harmless: "don't"
	// reaches every item of "sell, share or delete"
	{"dont-sell-share-or-delete.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"correction-birth-date.eml", nil, outcome{kinds(C), N, false, true, false, false, "en"}},
	// replies to the desk's own mail: triage reads only what the writer added
	{"reply-to-ack-in-reply-to.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"reply-unclear-answer.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"es-reply-unclear-answer.eml", nil, outcome{kinds(AS), N, false, true, false, false, "es"}},
	{"agent-letter-attachment.eml", nil, outcome{kinds(D), N, true, true, false, false, "en"}},
	{"agent-on-behalf-access.eml", nil, outcome{kinds(AS), N, true, true, false, false, "en"}},
	{"unclear-refund.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"unclear-empty.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"forwarded-inline.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"forwarded-rfc822.eml", nil, outcome{kinds(OM), N, false, true, false, false, "en"}},
	{"nested-multipart.eml", nil, outcome{kinds(C), N, false, true, false, false, "en"}},
	{"reply-quoted-choices.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"outlook-reply-original.eml", nil, outcome{kinds(AS), N, false, true, false, false, "en"}},
	{"reply-to-differs.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"latin1-display-name.eml", nil, outcome{kinds(AC), N, false, true, false, false, "en"}},
	{"cp1252-subject-dont-sell.eml", nil, outcome{kinds(OS), N, false, true, false, false, "en"}},
	{"multi-kind.eml", nil, outcome{kinds(D, OS, OM), N, false, true, false, false, "en"}},
	{"remove-from-list.eml", nil, outcome{kinds(OM), N, false, true, false, false, "en"}},
	{"outlook-disclaimer-unclear.eml", nil, outcome{kinds(U), N, false, true, false, false, "en"}},
	{"outlook-reply-from-sent.eml", nil, outcome{kinds(C), N, false, true, false, false, "en"}},
	{"outlook-forward-original.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"signature-marketing-title.eml", nil, outcome{kinds(AS), N, false, true, false, false, "en"}},
	{"x-auto-response-suppress.eml", nil, outcome{kinds(D), N, false, true, false, false, "en"}},
	{"auto-submitted-no.eml", nil, outcome{kinds(P), N, false, true, false, false, "en"}},
	{"spf-dmarc-fail.eml", &Verdicts{Spam: "PASS", Virus: "PASS", SPF: "FAIL", DKIM: "GRAY", DMARC: "FAIL"}, outcome{kinds(D), N, false, true, false, false, "en"}},
	// loop and abuse safety: recorded, never answered
	{"vacation-x-autoreply.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"auto-reply-to-ack.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"out-of-office-subject.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"precedence-bulk.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"x-autorespond.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"mailing-list.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"bounce-dsn.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"bounce-postmaster.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"own-address.eml", nil, outcome{none, N, false, false, false, false, "en"}},
	{"spam-fail.eml", &Verdicts{Spam: "FAIL", Virus: "PASS", SPF: "PASS", DKIM: "PASS", DMARC: "PASS"}, outcome{none, N, false, false, true, false, "en"}},
	{"virus-fail.eml", &Verdicts{Spam: "PASS", Virus: "FAIL", SPF: "PASS", DKIM: "PASS", DMARC: "PASS"}, outcome{none, N, false, false, true, false, "en"}},
	// past the bounds: answered with "please use the form"
	{"too-deep.eml", nil, outcome{kinds(U), N, false, true, false, true, "en"}},
	{"too-many-parts.eml", nil, outcome{kinds(U), N, false, true, false, true, "en"}},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
	require.NoError(t, err)
	return raw
}

func TestReadCorpus(t *testing.T) {
	for _, tc := range corpus {
		t.Run(tc.file, func(t *testing.T) {
			v := pass
			if tc.verdicts != nil {
				v = *tc.verdicts
			}
			raw := readFixture(t, tc.file)
			f, err := os.Open(filepath.Join("testdata", "corpus", tc.file))
			require.NoError(t, err)
			defer f.Close()

			res, err := Read(context.Background(), f, v, ours, DefaultLimits())
			require.NoError(t, err)
			require.NotNil(t, res)

			assert.Equal(t, tc.want.kinds, res.Kinds, "kinds (text %q)", res.Text)
			assert.Equal(t, tc.want.priority, res.Priority, "priority")
			assert.Equal(t, tc.want.agent, res.Agent, "agent")
			assert.Equal(t, tc.want.reply, res.Reply, "reply (reason %q)", res.Reason)
			assert.Equal(t, tc.want.quarantine, res.Quarantine, "quarantine")
			assert.Equal(t, tc.want.unreadable, res.Unreadable, "unreadable (reason %q)", res.Reason)
			if tc.want.reply {
				assert.Equal(t, tc.want.lang, res.Language, "language")
			} else {
				assert.NotEmpty(t, res.Reason, "a message left unanswered says why")
			}
			assert.NotEmpty(t, res.From.Address, "from")
			assert.LessOrEqual(t, len(res.Text), DefaultLimits().MaxTextBytes)
			assert.LessOrEqual(t, len(res.Reason), 200)
			_ = raw
		})
	}
}

func TestCorpusCoversEveryFixture(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.eml"))
	require.NoError(t, err)
	listed := map[string]bool{}
	for _, tc := range corpus {
		listed[tc.file] = true
	}
	for _, f := range files {
		assert.True(t, listed[filepath.Base(f)], "fixture %s has no row in the corpus table", f)
	}
	assert.GreaterOrEqual(t, len(files), 40)
	assert.Len(t, listed, len(files))
}
