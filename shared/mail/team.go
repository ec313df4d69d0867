package mail

import (
	"time"

	"github.com/productionflow/privacy-desk/shared/request"
)

// TeamNotice tells the privacy team of a new request that needs them at
// once: an expedited one (mail marked "CCPA Request"), a child's data,
// mail that asks for nothing the desk recognised, or any request whose
// acknowledgement the address's daily cap held back (HeldBack). Like the
// deadline reminder it carries no requester free text and no personal
// data: the team opens the request in the desk by its ID.
type TeamNotice struct {
	RequestID  string
	Kinds      []request.Kind
	Channel    request.Channel
	Priority   request.Priority
	Regulation string // "CCPA" when the requester invoked it
	ReceivedAt time.Time
	Due        request.Due
	Location   *time.Location // the business zone, as in Acknowledgement
	// HeldBack: the address had had its automatic acknowledgements for
	// the day, so the desk sent none (request.Request.AckCappedAt): the
	// requester has not been mailed and nothing follows until the team
	// sends the acknowledgement or denies the request from the console.
	HeldBack bool
	// AwaitsConsumer: an authorized agent wrote without naming the
	// consumer; nothing starts until the team names them.
	AwaitsConsumer bool
}

type teamNoticeView struct {
	RequestID      string
	Reasons        []string
	Kinds          []string
	Channel        string
	Priority       string
	ReceivedAt     string // date and time
	Acknowledge    string // date; empty: no such deadline
	Response       string // date; empty: none
	OptOut         string // date; empty: none
	Unclear        bool
	HeldBack       bool
	AwaitsConsumer bool
}

// NeedsTeam reports whether the team is told of r at once (RenderTeamNotice).
func NeedsTeam(r *request.Request) bool {
	return len(teamReasons(r.Priority, r.Regulation, r.Kinds)) > 0
}

// teamReasons says in a few words why the team is told at once.
func teamReasons(p request.Priority, regulation string, kinds []request.Kind) []string {
	var out []string
	child, unclear := false, false
	for _, k := range kinds {
		child = child || k == request.ChildData
		unclear = unclear || k == request.Unclear
	}
	if child {
		out = append(out, "a child's data: delete it promptly")
	}
	if p == request.Expedited && !child {
		if regulation == "CCPA" {
			out = append(out, "expedited: the mail is marked CCPA Request")
		} else {
			out = append(out, "expedited")
		}
	}
	if unclear {
		out = append(out, "unclear mail: find out what the person asks for")
	}
	return out
}

// RenderTeamNotice renders the notice of new request n to the team's
// address to.
func RenderTeamNotice(to string, n TeamNotice) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	v := teamNoticeView{
		RequestID:   clean(n.RequestID),
		Kinds:       make([]string, 0, len(n.Kinds)),
		Channel:     clean(string(n.Channel)),
		Priority:    clean(string(n.Priority)),
		ReceivedAt:  dateTimeOf(English, in(n.ReceivedAt, n.Location)),
		Acknowledge: dateIn(English, in(n.Due.Acknowledge, n.Location)),
		Response:    dateIn(English, in(n.Due.Response, n.Location)),
		OptOut:      dateIn(English, in(n.Due.OptOut, n.Location)),
	}
	for _, k := range n.Kinds {
		v.Kinds = append(v.Kinds, clean(string(k)))
		v.Unclear = v.Unclear || k == request.Unclear
	}
	v.Reasons = teamReasons(n.Priority, n.Regulation, n.Kinds)
	v.HeldBack, v.AwaitsConsumer = n.HeldBack, n.AwaitsConsumer
	if n.HeldBack {
		v.Reasons = append([]string{"the acknowledgement was held back by the per-address daily cap, so the requester has not been mailed"}, v.Reasons...)
	}
	subject := "New privacy request " + v.RequestID
	switch {
	case v.Unclear && n.HeldBack:
		subject = "Not acknowledged (daily cap): new unclear privacy request " + v.RequestID + ": please triage"
	case v.Unclear:
		subject = "New unclear privacy request " + v.RequestID + ": please triage"
	case n.HeldBack:
		subject = "Not acknowledged (daily cap): new privacy request " + v.RequestID
	}
	if n.Priority == request.Expedited && !v.Unclear {
		subject = "[expedited] " + subject
	}
	return render(to, to, subject, teamNoticeBody, v), nil
}

var teamNoticeBody = body[teamNoticeView]{streamteamNoticeText, streamteamNoticeHTML}
