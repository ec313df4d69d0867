package mail

import (
	"fmt"

	"github.com/productionflow/privacy-desk/shared/request"
)

// OwnerTask is the mail to a system's owner with a step only a person can
// do. It names the person: it goes only to the owner's address.
type OwnerTask struct {
	System       string // the system in plain words
	Action       string // erase, export, correct…
	Instructions string // the registry's task text
	RequestID    string
	Person       string // the address of the person acted on
	Name         string
	Account      string
	Child        bool // the person is a child reported by a parent
	Export       bool // the owner uploads what the system holds
	// CategoriesOnly: the export's request asks only which kinds of data
	// the system holds: the owner ticks them on the task page, no file.
	CategoriesOnly bool
	// ExportFirst: an erase task in a system whose export is an owner's
	// task too; an export task of the same request is answered first.
	ExportFirst bool
	// AskedAgain: the team ran the request again and asks the owner again;
	// EarlierReason, the owner's own words when they had answered that it
	// cannot be done ("" for an export whose uploaded file is gone).
	AskedAgain    bool
	EarlierReason string
	Corrections   []request.CorrectionItem
	Holds         []OwnerHold
	Due           string // in words, in the business time zone
	DueShort      string // "Dec 2", for the subject
	Link          string // the task page, with its single-use token
}

// OwnerHold is a category the owner must keep, with the reason.
type OwnerHold struct {
	Category, Reason string
}

// OwnerReminder reminds an owner of an open task, with a fresh link.
type OwnerReminder struct {
	System, Action, RequestID string
	Due                       string // in words, in the business time zone
	Link                      string
	Overdue                   bool
}

// RenderOwnerTask renders the task mail to the owner at to.
func RenderOwnerTask(to, replyTo string, t OwnerTask) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	subject := fmt.Sprintf("Privacy request %s: %s in %s, due %s", t.RequestID, t.Action, t.System, t.DueShort)
	return render(to, replyTo, subject, ownerTaskBody, t.cleaned()), nil
}

// cleaned is t with every value the requester gave (the person's address,
// name and account, the corrections) and the owner's own earlier words
// (EarlierReason) made one clean line, as in every
// mail: the text part writes them as they are, and a line break in a
// correction must not read as the desk's own instructions. The registry's
// words and the desk's link are left as they are.
func (t OwnerTask) cleaned() OwnerTask {
	t.Person, t.Name, t.Account, t.EarlierReason = clean(t.Person), clean(t.Name), clean(t.Account), clean(t.EarlierReason)
	t.Corrections = cleanCorrections(t.Corrections)
	return t
}

// cleanCorrections is a copy of cs with each part made one clean line;
// nil for none.
func cleanCorrections(cs []request.CorrectionItem) []request.CorrectionItem {
	if len(cs) == 0 {
		return nil
	}
	out := make([]request.CorrectionItem, len(cs))
	for i, c := range cs {
		out[i] = request.CorrectionItem{Item: clean(c.Item), Wrong: clean(c.Wrong), Right: clean(c.Right)}
	}
	return out
}

var ownerTaskBody = body[OwnerTask]{streamownerTaskText, streamownerTaskHTML}

// RenderOwnerReminder renders a reminder, or an overdue notice, to the owner
// at to.
func RenderOwnerReminder(to, replyTo string, r OwnerReminder) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	word := "Reminder"
	if r.Overdue {
		word = "Overdue"
	}
	subject := fmt.Sprintf("%s: privacy request %s, %s in %s", word, r.RequestID, r.Action, r.System)
	return render(to, replyTo, subject, ownerReminderBody, r), nil
}

var ownerReminderBody = body[OwnerReminder]{streamownerReminderText, streamownerReminderHTML}
