// Package export builds the access package a requester receives: one JSON
// file per system (described by schema.json, also in the package), one CSV
// per category of data, and a plain-language summary in text and HTML drawn
// from the registry. The package is a zip written to S3 with KMS encryption
// and offered through the desk's download page: the mailed link carries a
// 7-day token, and pressing Download signs a 10-minute S3 link at that
// moment (download.go).
package export

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/productionflow/privacy-desk/shared/csvcell"
	"github.com/productionflow/privacy-desk/shared/system"
)

// Schema is the JSON Schema of a <system>.json file.
//
//go:embed schema.json
var Schema []byte

// SchemaVersion is written in every <system>.json.
const SchemaVersion = "1"

// SystemData is what one system returned for the export (connector.Result
// fields, kept here so that this package does not depend on the connector).
type SystemData struct {
	System string
	Found  bool
	At     time.Time
	Data   map[string][]json.RawMessage // records by category
}

// Package is everything gathered for one access request.
type Package struct {
	RequestID   string
	GeneratedAt time.Time
	Systems     []SystemData
	// Language is the request's language ("es" for Spanish; else English):
	// the summary is written in it.
	Language string
	// SentApart are the systems whose copy the privacy team made by hand
	// and sent the requester separately: not in the package, and the
	// summary says so (never "nothing was exported" of them).
	SentApart []string
}

// SystemDoc is the content of <system>.json.
type SystemDoc struct {
	SchemaVersion string        `json:"schemaVersion"`
	RequestID     string        `json:"requestId"`
	GeneratedAt   string        `json:"generatedAt"`
	RetrievedAt   string        `json:"retrievedAt,omitempty"`
	System        string        `json:"system"`
	Title         string        `json:"title"`
	Found         bool          `json:"found"`
	Categories    []CategoryDoc `json:"categories"`
	Sources       []string      `json:"sources"`
	Purposes      []string      `json:"purposes"`
	ThirdParties  []string      `json:"thirdParties"`
	Holds         []HoldDoc     `json:"holds"`
}

// CategoryDoc is one category's records.
type CategoryDoc struct {
	Name    string            `json:"name"`
	Records []json.RawMessage `json:"records"`
}

// HoldDoc is a legal hold as the requester reads it.
type HoldDoc struct {
	Category string `json:"category"`
	Reason   string `json:"reason"`
	Law      string `json:"law,omitempty"`
	Until    string `json:"until,omitempty"`
}

// safeName reports whether a system or category name can name a file: a
// lower-case ASCII letter or digit, then any of those or '-'.
func safeName(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

// Files lists the package's files in order; the zip holds exactly these.
type Files struct {
	Names    []string
	Contents map[string][]byte
}

// Build lays out the package files. Every system of the package must be in
// the registry.
func Build(reg *system.Registry, p Package) (*Files, error) {
	f := &Files{Contents: map[string][]byte{}}
	add := func(name string, b []byte) {
		f.Names = append(f.Names, name)
		f.Contents[name] = b
	}
	gen := p.GeneratedAt.UTC().Format(time.RFC3339)
	byCategory := map[string][]row{}
	var summary []summarySystem
	in := map[string]bool{}
	for _, sd := range p.Systems {
		sys, ok := reg.Lookup(sd.System)
		if !ok {
			return nil, fmt.Errorf("export: system %q is not in the registry", sd.System)
		}
		if !safeName(sys.Name) {
			return nil, fmt.Errorf("export: system name %q cannot name a file", sys.Name)
		}
		doc := SystemDoc{
			SchemaVersion: SchemaVersion, RequestID: p.RequestID, GeneratedAt: gen,
			System: sys.Name, Title: sys.DisplayName(), Found: sd.Found,
			Sources: nonNil(sys.Sources), Purposes: nonNil(sys.Purposes), ThirdParties: nonNil(sys.ThirdParties),
			Categories: []CategoryDoc{}, Holds: []HoldDoc{},
		}
		if !sd.At.IsZero() {
			doc.RetrievedAt = sd.At.UTC().Format(time.RFC3339)
		}
		counts := map[string]int{}
		for _, c := range sys.Categories {
			recs := sd.Data[c]
			if recs == nil {
				recs = []json.RawMessage{}
			}
			doc.Categories = append(doc.Categories, CategoryDoc{Name: c, Records: recs})
			counts[c] = len(recs)
			for _, r := range recs {
				byCategory[c] = append(byCategory[c], row{system: sys.Name, raw: r})
			}
		}
		for c := range sd.Data {
			if !sys.Held(c) {
				return nil, fmt.Errorf("export: system %s returned category %q it does not declare", sys.Name, c)
			}
		}
		for _, h := range sys.Holds {
			if !sd.Found {
				break // where it holds nothing about the person, nothing is kept
			}
			doc.Holds = append(doc.Holds, HoldDoc{Category: h.Category, Reason: h.Reason, Law: h.Law, Until: h.Until})
		}
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("export: encode %s: %w", sys.Name, err)
		}
		add(sys.Name+".json", b)
		summary = append(summary, summaryOf(reg, sys, sd.Found, counts, p.Language))
		in[sys.Name] = true
	}
	add("schema.json", Schema)

	cats := make([]string, 0, len(byCategory))
	for c := range byCategory {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		if !safeName(c) {
			return nil, fmt.Errorf("export: category %q cannot name a file", c)
		}
		b, err := categoryCSV(byCategory[c])
		if err != nil {
			return nil, fmt.Errorf("export: category %s: %w", c, err)
		}
		add("csv/"+c+".csv", b)
	}

	text, html, err := renderSummary(reg, p, summary, in, cats)
	if err != nil {
		return nil, err
	}
	add("summary.txt", text)
	add("summary.html", html)
	return f, nil
}

// Zip writes the files as a zip archive.
func (f *Files) Zip(modified time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range f.Names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: modified.UTC()})
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", name, err)
		}
		if _, err := w.Write(f.Contents[name]); err != nil {
			return nil, fmt.Errorf("zip %s: %w", name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type row struct {
	system string
	raw    json.RawMessage
}

// categoryCSV writes one header row (system, then every field seen, sorted)
// and one row per record. Nested objects become dotted columns; arrays are
// kept as JSON text.
func categoryCSV(rows []row) ([]byte, error) {
	flat := make([]map[string]string, len(rows))
	cols := map[string]bool{}
	for i, r := range rows {
		var v any
		dec := json.NewDecoder(bytes.NewReader(r.raw))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, errors.New("a record is not JSON")
		}
		m := map[string]string{}
		if obj, ok := v.(map[string]any); ok {
			flatten("", obj, m)
		} else {
			m["value"] = cell(v)
		}
		for k := range m {
			cols[k] = true
		}
		flat[i] = m
	}
	header := make([]string, 0, len(cols)+1)
	for k := range cols {
		header = append(header, k)
	}
	sort.Strings(header)
	header = slices.Insert(header, 0, "system")
	// Field names come from the system's answer too: guarded like values.
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = csvcell.Inert(h)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(names); err != nil {
		return nil, err
	}
	for i, m := range flat {
		rec := make([]string, len(header))
		rec[0] = rows[i].system
		for j, k := range header[1:] {
			rec[j+1] = m[k]
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func flatten(prefix string, obj map[string]any, out map[string]string) {
	for k, v := range obj {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			flatten(key, sub, out)
			continue
		}
		out[key] = cell(v)
	}
}

// cell renders a JSON value as text, strings made inert.
func cell(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return csvcell.Inert(t) // the JSON files keep it exact
	case bool:
		return strconv.FormatBool(t)
	case json.Number:
		return t.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}
