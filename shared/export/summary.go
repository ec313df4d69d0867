package export

//go:generate go tool qtc -skipLineComments -dir=.

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/system"
)

// The summary names everything in plain words, in the request's language:
// system titles, categories (from the registry's dictionary, never their
// IDs), sources, purposes, who else receives the data, and how many records
// were found per category, or that nothing is held.

type summaryCategory struct {
	Title string
	Count int
}

type summaryHold struct {
	Category string
	Reason   string
	Law      string
	Until    string
}

type summarySystem struct {
	Title        string
	Found        bool
	Categories   []summaryCategory
	Sources      string
	Purposes     string
	ThirdParties string
	Holds        []summaryHold
}

type summaryOther struct {
	Title      string
	Categories string
}

// summaryWords are the summary's fixed words in one language. HTMLIntro is
// markup, written as it is.
type summaryWords struct {
	Lang, Heading, Request, Prepared, Intro1, Intro2, HTMLIntro string
	Found, NothingHeld, Holds, CouldHold                        string
	Category, Records, Record, RecordsN                         string
	Sources, Purposes, ThirdParties, Kept, Until, None          string
	OthersText, OthersHeading, OthersHTML                       string
	ApartText, ApartHeading                                     string
}

var english = summaryWords{
	Lang: "en", Heading: "Your personal data: summary", Request: "Request", Prepared: "prepared",
	Intro1:    "This package holds a copy of the personal data we found about you, system by system.",
	Intro2:    "Files: one .json file per system (machine readable; schema.json describes it),\nand one spreadsheet file (.csv, in the csv folder) per category of data.",
	HTMLIntro: "This package holds a copy of the personal data we found about you, system by system: one <code>.json</code> file per system (machine readable; <code>schema.json</code> describes it) and one spreadsheet file (<code>.csv</code>, in the <code>csv</code> folder) per category of data.",
	Found:     "We found data about you here.", NothingHeld: "Nothing held: we found no data about you here.",
	Holds: "What we hold about you here:", CouldHold: "Kinds of data this system holds about people:",
	Category: "Category", Records: "Records", Record: "record", RecordsN: "records",
	Sources: "Where the data comes from", Purposes: "Why we hold it",
	ThirdParties: "Who else receives it", Kept: "Kept under a legal obligation", Until: "Kept until", None: "none",
	OthersText: "Other systems that hold personal data, where nothing was exported for you:", OthersHeading: "Other systems",
	OthersHTML: "These also hold personal data; nothing was exported for you from them:",
	ApartText:  "Copied by hand and sent to you separately (not in this package):", ApartHeading: "Sent to you separately",
}

var spanish = summaryWords{
	Lang: "es", Heading: "Sus datos personales: resumen", Request: "Solicitud", Prepared: "preparada el",
	Intro1:    "Este paquete contiene una copia de los datos personales que encontramos sobre usted, sistema por sistema.",
	Intro2:    "Archivos: un archivo .json por sistema (legible por máquina; schema.json lo describe)\ny una hoja de cálculo (.csv, en la carpeta csv) por categoría de datos.",
	HTMLIntro: "Este paquete contiene una copia de los datos personales que encontramos sobre usted, sistema por sistema: un archivo <code>.json</code> por sistema (legible por máquina; <code>schema.json</code> lo describe) y una hoja de cálculo (<code>.csv</code>, en la carpeta <code>csv</code>) por categoría de datos.",
	Found:     "Aquí encontramos datos sobre usted.", NothingHeld: "No guardamos nada: aquí no encontramos datos sobre usted.",
	Holds: "Lo que guardamos sobre usted aquí:", CouldHold: "Tipos de datos que este sistema guarda sobre las personas:",
	Category: "Categoría", Records: "Registros", Record: "registro", RecordsN: "registros",
	Sources: "De dónde vienen los datos", Purposes: "Para qué los guardamos",
	ThirdParties: "Quién más los recibe", Kept: "Se conserva por una obligación legal", Until: "Se conserva hasta", None: "ninguno",
	OthersText: "Otros sistemas que guardan datos personales, de los que no se exportó nada para usted:", OthersHeading: "Otros sistemas",
	OthersHTML: "Estos también guardan datos personales; no se exportó nada de ellos para usted:",
	ApartText:  "Copiados a mano y enviados aparte (no están en este paquete):", ApartHeading: "Enviados aparte",
}

type summaryView struct {
	W           summaryWords
	RequestID   string
	GeneratedAt string
	Systems     []summarySystem
	// Others are registry systems not in this package; Apart, those of
	// them whose copy was sent separately.
	Others, Apart []summaryOther
	CSVs          []string
}

// isSpanish reports whether lang is Spanish ("es", "es-MX"...).
func isSpanish(lang string) bool {
	lang = strings.ToLower(strings.TrimSpace(lang))
	return lang == "es" || strings.HasPrefix(lang, "es-") || strings.HasPrefix(lang, "es_")
}

func wordsFor(lang string) summaryWords {
	if isSpanish(lang) {
		return spanish
	}
	return english
}

var meses = [...]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"}

func prepared(t time.Time, lang string) string {
	t = t.UTC()
	if isSpanish(lang) {
		return fmt.Sprintf("%d de %s de %d, %s", t.Day(), meses[t.Month()-1], t.Year(), t.Format("15:04 MST"))
	}
	return t.Format("January 2, 2006 15:04 MST")
}

func joinOr(s []string, none string) string {
	if len(s) == 0 {
		return none
	}
	return strings.Join(s, "; ")
}

// summaryOf is one system's part of the summary, in lang; counts are the
// records found per category ID.
func summaryOf(reg *system.Registry, sys *system.System, found bool, counts map[string]int, lang string) summarySystem {
	w := wordsFor(lang)
	s := summarySystem{
		Title: sys.TitleIn(lang), Found: found,
		Sources:      joinOr(sys.SourcesIn(lang), w.None),
		Purposes:     joinOr(sys.PurposesIn(lang), w.None),
		ThirdParties: joinOr(sys.ThirdPartiesIn(lang), w.None),
	}
	for _, c := range sys.Categories {
		s.Categories = append(s.Categories, summaryCategory{Title: reg.CategoryTitle(c, lang), Count: counts[c]})
	}
	if found { // where it holds nothing about the person, nothing is kept
		for _, h := range sys.Holds {
			s.Holds = append(s.Holds, summaryHold{Category: reg.CategoryTitle(h.Category, lang), Reason: h.ReasonIn(lang), Law: h.LawIn(lang), Until: h.UntilIn(lang)})
		}
	}
	return s
}

// renderSummary writes the summary in text and in HTML (summary.qtpl,
// compiled to Go: it cannot fail; the error is for the caller's sake).
func renderSummary(reg *system.Registry, p Package, systems []summarySystem, in map[string]bool, csvs []string) ([]byte, []byte, error) {
	v := summaryView{W: wordsFor(p.Language), RequestID: p.RequestID, GeneratedAt: prepared(p.GeneratedAt, p.Language), Systems: systems, CSVs: csvs}
	for i := range reg.Systems {
		sys := &reg.Systems[i]
		if in[sys.Name] {
			continue
		}
		cats := make([]string, len(sys.Categories))
		for j, c := range sys.Categories {
			cats[j] = reg.CategoryTitle(c, p.Language)
		}
		o := summaryOther{Title: sys.TitleIn(p.Language), Categories: joinOr(cats, v.W.None)}
		if slices.Contains(p.SentApart, sys.Name) {
			v.Apart = append(v.Apart, o)
			continue
		}
		v.Others = append(v.Others, o)
	}
	var t, h bytes.Buffer
	writesummaryText(&t, &v)
	writesummaryHTML(&h, &v)
	return t.Bytes(), h.Bytes(), nil
}
