package mail

import (
	"fmt"
	"strings"
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// Digest is the team's daily digest of open work: what is overdue, due in
// the next 7 days, waiting for triage and needing attention. It carries no
// personal data: requests are named by their IDs, kinds and deadlines.
type Digest struct {
	Now                                 time.Time
	Location                            *time.Location
	Overdue, DueSoon, Triage, Attention []DigestItem
	Open                                int    // every open request
	ConsoleURL                          string // the console's work list; may be empty
}

// DigestItem is one request in the digest.
type DigestItem struct {
	RequestID string
	Kinds     []request.Kind
	Status    request.Status
	Clock     string // which deadline: "response", "acknowledgement"…
	Due       time.Time
	DaysLeft  int // calendar days to Due's date; negative when overdue
	// Expedited: a child's data, or "CCPA Request" mail: owners' tasks
	// are due sooner.
	Expedited bool
}

// Empty reports whether the digest has nothing to say.
func (d Digest) Empty() bool {
	return len(d.Overdue)+len(d.DueSoon)+len(d.Triage)+len(d.Attention) == 0
}

type digestView struct {
	Today      string // date
	Open       int
	Sections   []digestSection
	ConsoleURL string
}

type digestSection struct {
	Title string
	Items []digestItemView
}

type digestItemView struct {
	RequestID, Kinds, Status, Clock, When string
	Due                                   string // date and time
}

// RenderDigest renders the digest to the team's address to.
func RenderDigest(to string, d Digest) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	today := in(d.Now, d.Location)
	v := digestView{Today: dateOf(English, today), Open: d.Open, ConsoleURL: clean(d.ConsoleURL)}
	for _, s := range []struct {
		title string
		items []DigestItem
	}{
		{"Overdue", d.Overdue}, {"Due in the next 7 days", d.DueSoon},
		{"Waiting for triage (unclear mail)", d.Triage}, {"Needs attention (a step failed, or mail to the requester bounced)", d.Attention},
	} {
		sec := digestSection{Title: fmt.Sprintf("%s: %d", s.title, len(s.items))}
		for _, it := range s.items {
			kinds := make([]string, len(it.Kinds))
			for i, k := range it.Kinds {
				kinds[i] = clean(string(k))
			}
			if it.Expedited {
				kinds = append(kinds, "expedited")
			}
			sec.Items = append(sec.Items, digestItemView{RequestID: clean(it.RequestID), Kinds: strings.Join(kinds, ", "),
				Status: clean(string(it.Status)), Clock: clean(it.Clock), Due: dateTimeOf(English, in(it.Due, d.Location)), When: daysWhen(it.DaysLeft)})
		}
		v.Sections = append(v.Sections, sec)
	}
	subject := fmt.Sprintf("Privacy desk, %s: %d overdue, %d due in 7 days, %d to triage, %d need attention",
		today.Format("Mon Jan 2"), len(d.Overdue), len(d.DueSoon), len(d.Triage), len(d.Attention))
	return render(to, to, subject, digestBody, v), nil
}

var digestBody = body[digestView]{streamdigestText, streamdigestHTML}

// daysWhen says how far a deadline is, in calendar days.
func daysWhen(n int) string {
	switch {
	case n == 0:
		return "due today"
	case n == 1:
		return "1 day left"
	case n > 1:
		return fmt.Sprintf("%d days left", n)
	case n == -1:
		return "1 day overdue"
	}
	return fmt.Sprintf("%d days overdue", -n)
}
