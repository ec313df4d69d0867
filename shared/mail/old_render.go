package mail

// Temporary: the text/template rendering, until every message is converted.

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

//go:embed templates
var files embed.FS

var (
	funcs = map[string]any{
		"date":     func(t time.Time) string { return t.Format(dateLayout) },
		"datetime": func(t time.Time) string { return t.Format(dateTimeLayout) },
		// Spanish templates write dates with these.
		"fecha":     fecha,
		"fechaHora": fechaHora,
	}
)

// parsed is one message's templates, text and HTML, each with the status
// link partials they call.
type parsed struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// templateSets holds, per message name ("acknowledgement",
// "acknowledgement.es"...), a function that parses its two templates the
// first time it is called and returns them ever after (sync.OnceValues):
// a function pays at cold start for no template, and once for each it
// renders.
var templateSets sync.Map // string → func() (parsed, error)

// templates returns the parsed templates of message name.
func templates(name string) (parsed, error) {
	f, ok := templateSets.Load(name)
	if !ok {
		f, _ = templateSets.LoadOrStore(name, sync.OnceValues(func() (parsed, error) { return parse(name) }))
	}
	return f.(func() (parsed, error))()
}

// parse reads message name's templates from the embedded files.
func parse(name string) (parsed, error) {
	text, err := texttemplate.New(name+".txt.tmpl").Funcs(funcs).
		ParseFS(files, "templates/"+name+".txt.tmpl", "templates/status-link.txt.tmpl")
	if err != nil {
		return parsed{}, fmt.Errorf("parse %s text: %w", name, err)
	}
	html, err := htmltemplate.New(name+".html.tmpl").Funcs(funcs).
		ParseFS(files, "templates/"+name+".html.tmpl", "templates/status-link.html.tmpl")
	if err != nil {
		return parsed{}, fmt.Errorf("parse %s html: %w", name, err)
	}
	return parsed{text: text, html: html}, nil
}

// buffers are reused between renders: a message grows one to its size
// once, not on every render.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooled bounds the buffers kept for reuse.
const maxPooled = 64 << 10

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		b.Reset()
		buffers.Put(b)
	}
}

// render renders an English message.
func renderOld(to, replyTo, subject, name string, view any) (Message, error) {
	return renderInOld(English, to, replyTo, subject, name, view)
}

// renderIn renders the templates of message name in language lang (English
// or Spanish, as language returns).
func renderInOld(lang, to, replyTo, subject, name string, view any) (Message, error) {
	name = templateName(name, lang)
	t, err := templates(name)
	if err != nil {
		return Message{}, err
	}
	buf := buffers.Get().(*bytes.Buffer)
	defer putBuffer(buf)
	if err := t.text.Execute(buf, view); err != nil {
		return Message{}, fmt.Errorf("render %s text: %w", name, err)
	}
	text := buf.String()
	buf.Reset()
	if err := t.html.Execute(buf, view); err != nil {
		return Message{}, fmt.Errorf("render %s html: %w", name, err)
	}
	m := Message{
		To:      []string{to},
		Subject: clean(subject),
		Text:    text,
		HTML:    buf.String(),
		Headers: map[string]string{
			HeaderAutoSubmitted:    autoSubmittedValue,
			HeaderAutoResponseSupp: autoResponseSuppressWord,
			HeaderContentLanguage:  lang,
		},
	}
	if replyTo = strings.TrimSpace(replyTo); replyTo != "" && checkRecipient(replyTo) == nil {
		m.ReplyTo = []string{replyTo}
	}
	return m, nil
}
