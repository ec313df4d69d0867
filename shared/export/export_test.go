package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/productionflow/privacy-desk/shared/export"
	"github.com/productionflow/privacy-desk/shared/system"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func seed(t *testing.T) *system.Registry {
	t.Helper()
	reg, err := system.LoadFile(filepath.Join("..", "system", "systems.yaml"), system.Options{})
	require.NoError(t, err)
	return reg
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func samplePackage() export.Package {
	return export.Package{
		RequestID:   "req-42",
		GeneratedAt: t0,
		Systems: []export.SystemData{
			{System: "customer-accounts", Found: true, At: t0, Data: map[string][]json.RawMessage{
				"identifiers": {raw(`{"id":"acc_1","created":"2024-01-02"}`)},
				"contact":     {raw(`{"email":"jane@example.com","name":"Jane <b>Doe</b>","address":{"city":"Austin","zip":"78701"}}`)},
				"orders":      {raw(`{"id":"o1","total":12.5,"items":["a","b"]}`), raw(`{"id":"o2","total":7,"phone":"+1 (512) 555-0101","note":"=HYPERLINK(\"x\")","@SUM(A1)":{"+cmd":"-2+cmd|' /C calc'!A0"}}`)},
			}},
			{System: "payments", Found: true, At: t0, Data: map[string][]json.RawMessage{
				"billing-contact": {raw(`{"id":"cus_1","email":"jane@example.com"}`)},
				"charges":         {raw(`{"id":"ch_1","amount":1250}`)},
			}},
			{System: "support-desk", Found: false, At: t0},
			{System: "credit-factoring", Found: true, At: t0, Data: map[string][]json.RawMessage{
				"invoices": {raw(`{"number":"INV-7","amount":"100.00"}`), raw(`"a bare value, with a comma"`)},
			}},
		},
	}
}

func TestBuildPackage(t *testing.T) {
	reg := seed(t)
	files, err := export.Build(reg, samplePackage())
	require.NoError(t, err)

	assert.Equal(t, []string{
		"customer-accounts.json", "payments.json", "support-desk.json", "credit-factoring.json", "schema.json",
		"csv/billing-contact.csv", "csv/charges.csv", "csv/contact.csv", "csv/identifiers.csv", "csv/invoices.csv", "csv/orders.csv",
		"summary.txt", "summary.html",
	}, files.Names)

	var schema map[string]any
	require.NoError(t, json.Unmarshal(files.Contents["schema.json"], &schema))
	require.Empty(t, unsupportedKeywords(schema), "the test checker covers every keyword the schema uses")

	t.Run("every system file validates against schema.json", func(t *testing.T) {
		for _, name := range files.Names {
			if !strings.HasSuffix(name, ".json") || name == "schema.json" {
				continue
			}
			var doc any
			require.NoError(t, json.Unmarshal(files.Contents[name], &doc), name)
			assert.Empty(t, validate(schema, doc, "$"), name)
		}
	})
	t.Run("the checker catches a broken file", func(t *testing.T) {
		var doc map[string]any
		require.NoError(t, json.Unmarshal(files.Contents["payments.json"], &doc))
		delete(doc, "requestId")
		doc["found"] = "yes"
		doc["extra"] = 1
		doc["holds"] = []any{map[string]any{"category": "charges"}}
		assert.ElementsMatch(t, []string{
			"$: missing required requestId", "$.found: want boolean", "$: unexpected property extra",
			"$.holds[0]: missing required reason",
		}, validate(schema, doc, "$"))
	})
	t.Run("system file content", func(t *testing.T) {
		var doc export.SystemDoc
		require.NoError(t, json.Unmarshal(files.Contents["credit-factoring.json"], &doc))
		assert.Equal(t, "req-42", doc.RequestID)
		require.Len(t, doc.Holds, 3)
		assert.Equal(t, "invoices", doc.Holds[1].Category)
		assert.NotEmpty(t, doc.Holds[1].Reason)
		var support export.SystemDoc
		require.NoError(t, json.Unmarshal(files.Contents["support-desk.json"], &support))
		assert.False(t, support.Found)
		for _, c := range support.Categories {
			assert.Empty(t, c.Records)
		}
	})
	t.Run("each CSV has exactly one header row", func(t *testing.T) {
		want := map[string]int{"csv/orders.csv": 2, "csv/contact.csv": 1, "csv/invoices.csv": 2, "csv/charges.csv": 1}
		for name, records := range want {
			rows, err := csv.NewReader(bytes.NewReader(files.Contents[name])).ReadAll()
			require.NoError(t, err, name)
			require.Len(t, rows, records+1, name)
			assert.Equal(t, "system", rows[0][0], name)
			for _, r := range rows[1:] {
				assert.NotEqual(t, rows[0], r, "no repeated header in %s", name)
			}
		}
		rows, _ := csv.NewReader(bytes.NewReader(files.Contents["csv/contact.csv"])).ReadAll()
		assert.Equal(t, []string{"system", "address.city", "address.zip", "email", "name"}, rows[0])
		assert.Equal(t, []string{"customer-accounts", "Austin", "78701", "jane@example.com", "Jane <b>Doe</b>"}, rows[1])
		rows, _ = csv.NewReader(bytes.NewReader(files.Contents["csv/orders.csv"])).ReadAll()
		assert.Equal(t, []string{"system", "'@SUM(A1).+cmd", "id", "items", "note", "phone", "total"}, rows[0], "a field name is neutralised too")
		assert.Equal(t, `'=HYPERLINK("x")`, rows[2][4], "a formula is neutralised in the spreadsheet file")
		assert.Equal(t, `'-2+cmd|' /C calc'!A0`, rows[2][1], "a value that calls something is neutralised")
		assert.Equal(t, "+1 (512) 555-0101", rows[2][slices.Index(rows[0], "phone")], "a phone number is the person's number, unchanged")
		rows, _ = csv.NewReader(bytes.NewReader(files.Contents["csv/invoices.csv"])).ReadAll()
		assert.Equal(t, []string{"system", "amount", "number", "value"}, rows[0])
		assert.Equal(t, "a bare value, with a comma", rows[2][3])
	})
	t.Run("summary in plain words, from the registry", func(t *testing.T) {
		text := string(files.Contents["summary.txt"])
		assert.Contains(t, text, "Request req-42, prepared November 2, 2026 09:00 UTC")
		assert.Contains(t, text, "== Payment processor (Stripe) ==")
		assert.Contains(t, text, "  - payments and refunds: 1 record\n")
		assert.Contains(t, text, "  - billing details (name, email and address used for payment): 1 record\n")
		assert.Contains(t, text, "  - payment card details (brand, last four digits, expiry): 0 records\n", "a category with nothing found says 0")
		assert.Contains(t, text, "  - orders you placed: 2 records\n")
		assert.Contains(t, text, "Where the data comes from: you, at checkout")
		assert.Contains(t, text, "Why we hold it: take payment; prevent fraud; refunds")
		assert.Contains(t, text, "Who else receives it: Stripe, Inc. (payment processor)")
		assert.NotContains(t, text, "sold to", "a service provider is not said to buy the data")
		assert.Contains(t, text, "Kept under a legal obligation: invoices and their sale to our factoring partner. Invoices and factoring records are financial records we must keep.")
		assert.Contains(t, text, "Kept under a legal obligation: payments and refunds. Payment records are kept for tax and accounting. (Internal Revenue Code record-keeping (26 U.S.C. § 6001)) Kept until: 7 years after the payment.")
		support := text[strings.Index(text, "== Customer support (Zendesk) =="):]
		support = support[:strings.Index(support, "\n\n")]
		assert.Contains(t, support, "Nothing held: we found no data about you here.")
		assert.NotContains(t, support, "record", "nothing held: no counts")
		for _, about := range []string{"Where the data comes from", "Why we hold it", "Who else receives it", "Kept under"} {
			assert.NotContains(t, support, about, "nothing held: nothing said of the person's data there")
		}
		assert.Contains(t, text, "Website analytics (Google Analytics): how you used our website (pages visited, visits)", "systems with nothing exported are still named")
		for _, id := range []string{"billing-contact", "usage-analytics", "payment-method", "credit-history", "support-tickets"} {
			assert.NotContains(t, text, id, "no registry IDs in the summary")
		}
		html := string(files.Contents["summary.html"])
		assert.Contains(t, html, `<html lang="en">`)
		assert.Contains(t, html, "<h2>Payment processor (Stripe)</h2>")
		assert.Contains(t, html, "<tr><td>payments and refunds</td><td>1</td></tr>")
		assert.Contains(t, html, "Stripe, Inc. (payment processor)")
		assert.Contains(t, html, "<code>schema.json</code>")
		for _, id := range []string{"billing-contact", "usage-analytics", "payment-method"} {
			assert.NotContains(t, html, id, "no registry IDs in the summary")
		}
	})
}

func TestSummaryInSpanish(t *testing.T) {
	reg := seed(t)
	p := samplePackage()
	p.Language = "es"
	files, err := export.Build(reg, p)
	require.NoError(t, err)
	text := string(files.Contents["summary.txt"])
	assert.Contains(t, text, "Sus datos personales: resumen")
	assert.Contains(t, text, "Solicitud req-42, preparada el 2 de noviembre de 2026, 09:00 UTC")
	assert.Contains(t, text, "== Procesador de pagos (Stripe) ==")
	assert.Contains(t, text, "  - pagos y reembolsos: 1 registro\n")
	assert.Contains(t, text, "  - pedidos que hizo: 2 registros\n")
	assert.Contains(t, text, "De dónde vienen los datos: usted, al pagar")
	assert.Contains(t, text, "Para qué los guardamos: cobrar; prevenir el fraude; reembolsos")
	assert.Contains(t, text, "Quién más los recibe: Stripe, Inc. (procesador de pagos)")
	assert.Contains(t, text, "Se conserva por una obligación legal: pagos y reembolsos. Los registros de pagos se conservan por obligaciones fiscales y contables.")
	assert.Contains(t, text, "No guardamos nada: aquí no encontramos datos sobre usted.")
	assert.Contains(t, text, "Analítica del sitio web (Google Analytics): cómo usó nuestro sitio web")
	for _, w := range []string{"billing-contact", "usage-analytics", "We found", "Why we hold", "Payment records are kept"} {
		assert.NotContains(t, text, w)
	}
	html := string(files.Contents["summary.html"])
	assert.Contains(t, html, `<html lang="es">`)
	assert.Contains(t, html, "<h2>Procesador de pagos (Stripe)</h2>")
	assert.Contains(t, html, "<tr><td>pagos y reembolsos</td><td>1</td></tr>")
	var doc export.SystemDoc
	require.NoError(t, json.Unmarshal(files.Contents["payments.json"], &doc))
	assert.Equal(t, "charges", doc.Categories[2].Name, "the machine-readable files keep the registry IDs")
}

func TestSummaryEscapesRegistryValues(t *testing.T) {
	reg, err := system.Load(strings.NewReader(`systems:
  - name: crm
    title: CRM <script>alert(1)</script>
    owner: crm@productionflow.com
    categories: [contact]
    purposes: ["<img src=x onerror=alert(2)>"]
    actions:
      export: {kind: manual, task: Send the record.}
`), system.Options{})
	require.NoError(t, err)
	files, err := export.Build(reg, export.Package{RequestID: "r", GeneratedAt: t0, Systems: []export.SystemData{{System: "crm"}}})
	require.NoError(t, err)
	html := string(files.Contents["summary.html"])
	assert.NotContains(t, html, "<script>")
	assert.NotContains(t, html, "<img")
	assert.Contains(t, html, "CRM &lt;script&gt;")
}

func TestBuildRefusesUnknownSystemsAndCategories(t *testing.T) {
	reg := seed(t)
	_, err := export.Build(reg, export.Package{RequestID: "r", Systems: []export.SystemData{{System: "nope"}}})
	assert.ErrorContains(t, err, `system "nope" is not in the registry`)
	_, err = export.Build(reg, export.Package{RequestID: "r", Systems: []export.SystemData{{System: "payments", Data: map[string][]json.RawMessage{"health": {raw(`{}`)}}}}})
	assert.ErrorContains(t, err, `returned category "health" it does not declare`)
}

// memPackages is a fake PackageStore: the packages it was given, by key.
type memPackages struct {
	mu        sync.Mutex
	zips      map[string][]byte
	filenames map[string]string
	err       error
}

var _ export.PackageStore = (*memPackages)(nil)

func (m *memPackages) Put(_ context.Context, key, filename string, zip []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	if m.zips == nil {
		m.zips, m.filenames = map[string][]byte{}, map[string]string{}
	}
	m.zips[key], m.filenames[key] = zip, filename
	return "exports", nil
}

func TestPublish(t *testing.T) {
	reg := seed(t)
	files, err := export.Build(reg, samplePackage())
	require.NoError(t, err)
	zipped, err := files.Zip(t0)
	require.NoError(t, err)

	packages := &memPackages{}
	store := &export.Store{Packages: packages, Prefix: "exports/", Now: func() time.Time { return t0 }}
	link, err := store.Publish(context.Background(), "req-42", zipped)
	require.NoError(t, err)
	assert.Equal(t, "exports", link.Bucket)
	assert.Equal(t, "exports/req-42/access-20261102T090000Z.zip", link.Key, "the key names the request and the time, no personal data")
	assert.Empty(t, link.URL, "no presigned link: it would die with the signer's temporary credentials")
	assert.Equal(t, "your-data-req-42.zip", packages.filenames[link.Key])

	body := packages.zips[link.Key]
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	require.NoError(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	assert.Equal(t, files.Names, names)

	t.Run("build, zip and publish in one step", func(t *testing.T) {
		l, err := store.Package(context.Background(), reg, samplePackage())
		require.NoError(t, err)
		assert.Equal(t, link.Key, l.Key)
		assert.Len(t, packages.zips, 1, "the same package at the same time is the same object")
	})
	t.Run("a store failure is reported", func(t *testing.T) {
		failing := &export.Store{Packages: &memPackages{err: errors.New("AccessDenied")}, Prefix: "exports/", Now: store.Now}
		_, err := failing.Publish(context.Background(), "req-42", zipped)
		assert.ErrorContains(t, err, "put package for req-42")
	})
}

func TestPublishRefusesAnUnsafeRequestID(t *testing.T) {
	packages := &memPackages{}
	store := &export.Store{Packages: packages, Now: func() time.Time { return t0 }}
	_, err := store.Publish(context.Background(), "../other", nil)
	assert.ErrorContains(t, err, "cannot name an object")
	assert.Empty(t, packages.zips)
}

// --- a JSON Schema checker for the subset schema.json uses ---

var supported = []string{"$schema", "$id", "title", "description", "type", "required", "properties",
	"additionalProperties", "items", "minLength", "format"}

func unsupportedKeywords(s map[string]any) []string {
	var out []string
	for k, v := range s {
		if !slices.Contains(supported, k) {
			out = append(out, k)
		}
		switch k {
		case "properties":
			for _, p := range v.(map[string]any) {
				out = append(out, unsupportedKeywords(p.(map[string]any))...)
			}
		case "items":
			out = append(out, unsupportedKeywords(v.(map[string]any))...)
		}
	}
	return out
}

func validate(s map[string]any, v any, path string) []string {
	var errs []string
	if typ, ok := s["type"].(string); ok && !hasType(typ, v) {
		return []string{path + ": want " + typ}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := x[r.(string)]; !ok {
					errs = append(errs, path+": missing required "+r.(string))
				}
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, path+": unexpected property "+k)
				}
				continue
			}
			errs = append(errs, validate(p, x[k], path+"."+k)...)
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				errs = append(errs, validate(items, e, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	case string:
		if n, ok := s["minLength"].(float64); ok && len([]rune(x)) < int(n) {
			errs = append(errs, path+": shorter than minLength")
		}
		if s["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, x); err != nil {
				errs = append(errs, path+": not a date-time")
			}
		}
	}
	return errs
}

func hasType(typ string, v any) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	}
	return false
}

// TestNothingIsKeptWhereNothingIsHeld: a system that holds nothing about
// the person keeps nothing of theirs either: its file and the summary list
// its legal holds only where it held the person.
func TestNothingIsKeptWhereNothingIsHeld(t *testing.T) {
	p := samplePackage()
	for i := range p.Systems {
		if p.Systems[i].System == "credit-factoring" {
			p.Systems[i] = export.SystemData{System: "credit-factoring", Found: false, At: t0}
		}
	}
	files, err := export.Build(seed(t), p)
	require.NoError(t, err)
	var credit, payments export.SystemDoc
	require.NoError(t, json.Unmarshal(files.Contents["credit-factoring.json"], &credit))
	require.NoError(t, json.Unmarshal(files.Contents["payments.json"], &payments))
	assert.Empty(t, credit.Holds, "not held: nothing kept")
	assert.NotEmpty(t, payments.Holds, "held: its holds listed")
	summary := string(files.Contents["summary.txt"])
	_, credits, _ := strings.Cut(summary, "Credit")
	credits, _, _ = strings.Cut(credits, "==")
	assert.NotContains(t, credits, "Kept under a legal obligation")
	assert.Contains(t, summary, "Kept under a legal obligation", "the payments' charges")
}

// TestASystemCopiedByHandIsSaidSentApart: a system whose copy the team
// made by hand and sent separately is listed as such in the summary, in
// both languages, never among those "where nothing was exported".
func TestASystemCopiedByHandIsSaidSentApart(t *testing.T) {
	reg := seed(t)
	p := samplePackage()
	p.SentApart = []string{"google-analytics"}
	files, err := export.Build(reg, p)
	require.NoError(t, err)
	text := string(files.Contents["summary.txt"])
	apart := strings.Index(text, "Copied by hand and sent to you separately (not in this package):\n  - Website analytics (Google Analytics)")
	require.GreaterOrEqual(t, apart, 0, text)
	if others := strings.Index(text, "where nothing was exported for you:"); others >= 0 {
		assert.NotContains(t, text[others:], "Website analytics", "not among those where nothing was exported")
	}
	assert.Contains(t, string(files.Contents["summary.html"]), "<h2>Sent to you separately</h2>")
	p.Language = "es"
	files, err = export.Build(reg, p)
	require.NoError(t, err)
	assert.Contains(t, string(files.Contents["summary.txt"]), "Copiados a mano y enviados aparte (no están en este paquete):\n  - Analítica del sitio web (Google Analytics)")
}
