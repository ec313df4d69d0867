package export

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/productionflow/privacy-desk/shared/system"
)

type summarySystem struct {
	System *system.System
	Found  bool
	Counts map[string]int
}

type summaryView struct {
	RequestID   string
	GeneratedAt string
	Systems     []summarySystem
	// Others are registry systems not in this package.
	Others []*system.System
	CSVs   []string
}

var funcs = map[string]any{
	"join": func(s []string) string {
		if len(s) == 0 {
			return "none"
		}
		return strings.Join(s, "; ")
	},
}

var textSummary = texttemplate.Must(texttemplate.New("summary").Funcs(funcs).Parse(`Your personal data: summary
Request {{.RequestID}}, prepared {{.GeneratedAt}}

This package holds a copy of the personal data we found about you, system by system.
Files: one .json file per system (machine readable; schema.json describes it),
and one spreadsheet file (.csv, in the csv folder) per category of data.
{{range .Systems}}{{$s := .}}
== {{.System.DisplayName}} ==
{{if .Found}}We found data about you here.{{else}}We found no data about you here.{{end}}
What it holds:{{range $c := .System.Categories}}
  - {{$c}}: {{index $s.Counts $c}} record(s){{end}}
Where the data comes from: {{join .System.Sources}}
Why we hold it: {{join .System.Purposes}}
Who else receives it: {{join .System.ThirdParties}}{{range .System.Holds}}
Kept under a legal obligation: {{.Category}}. {{.Reason}}{{if .Law}} ({{.Law}}){{end}}{{if .Until}} Kept until: {{.Until}}.{{end}}{{end}}
{{end}}{{if .Others}}
Other systems that hold personal data, where nothing was exported for you:{{range .Others}}
  - {{.DisplayName}}: {{join .Categories}}{{end}}
{{end}}`))

var htmlSummary = htmltemplate.Must(htmltemplate.New("summary").Funcs(funcs).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Your personal data: summary</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 48rem; margin: 2rem auto; padding: 0 1rem">
<h1>Your personal data: summary</h1>
<p>Request {{.RequestID}}, prepared {{.GeneratedAt}}.</p>
<p>This package holds a copy of the personal data we found about you, system by system: one <code>.json</code> file per system (machine readable; <code>schema.json</code> describes it) and one spreadsheet file (<code>.csv</code>, in the <code>csv</code> folder) per category of data.</p>
{{range .Systems}}{{$s := .}}
<h2>{{.System.DisplayName}}</h2>
<p>{{if .Found}}We found data about you here.{{else}}We found no data about you here.{{end}}</p>
<table><tr><th>Category</th><th>Records</th></tr>
{{range .System.Categories}}<tr><td>{{.}}</td><td>{{index $s.Counts .}}</td></tr>
{{end}}</table>
<p>Where the data comes from: {{join .System.Sources}}</p>
<p>Why we hold it: {{join .System.Purposes}}</p>
<p>Who else receives it: {{join .System.ThirdParties}}</p>
{{if .System.Holds}}<p>Kept under a legal obligation:</p><ul>{{range .System.Holds}}<li>{{.Category}}: {{.Reason}}{{if .Law}} ({{.Law}}){{end}}{{if .Until}} Kept until: {{.Until}}.{{end}}</li>{{end}}</ul>{{end}}
{{end}}
{{if .Others}}<h2>Other systems</h2><p>These also hold personal data; nothing was exported for you from them:</p>
<ul>{{range .Others}}<li>{{.DisplayName}}: {{join .Categories}}</li>{{end}}</ul>{{end}}
</body></html>
`))

func renderSummary(reg *system.Registry, p Package, systems []summarySystem, csvs []string) ([]byte, []byte, error) {
	v := summaryView{RequestID: p.RequestID, GeneratedAt: p.GeneratedAt.UTC().Format("January 2, 2006 15:04 MST"), Systems: systems, CSVs: csvs}
	in := map[string]bool{}
	for _, s := range systems {
		in[s.System.Name] = true
	}
	for i := range reg.Systems {
		if !in[reg.Systems[i].Name] {
			v.Others = append(v.Others, &reg.Systems[i])
		}
	}
	var t, h bytes.Buffer
	if err := textSummary.Execute(&t, v); err != nil {
		return nil, nil, fmt.Errorf("export: summary text: %w", err)
	}
	if err := htmlSummary.Execute(&h, v); err != nil {
		return nil, nil, fmt.Errorf("export: summary html: %w", err)
	}
	return t.Bytes(), h.Bytes(), nil
}
