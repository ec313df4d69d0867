package mail

import "fmt"

// OwnerDigest is a system owner's daily digest: every task of theirs that
// is new to them or due a reminder, in one mail, each with its own
// single-use link. New tasks name the person as the single-task mail
// (OwnerTask) does; reminders do not, as OwnerReminder does not.
type OwnerDigest struct {
	Day       string // the digest's day in words, in the business time zone
	New       []OwnerTask
	Reminders []OwnerReminder
}

// Tasks is how many tasks the digest lists.
func (d OwnerDigest) Tasks() int { return len(d.New) + len(d.Reminders) }

// RenderOwnerDigest renders the owner's daily digest to the owner at to.
func RenderOwnerDigest(to, replyTo string, d OwnerDigest) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	subject := fmt.Sprintf("Privacy requests: %d tasks for you, %s", d.Tasks(), d.Day)
	if len(d.New) > 0 {
		tasks := make([]OwnerTask, len(d.New))
		for i, t := range d.New {
			tasks[i] = t.cleaned()
		}
		d.New = tasks
	}
	return render(to, replyTo, subject, ownerDigestBody, d), nil
}

var ownerDigestBody = body[OwnerDigest]{streamownerDigestText, streamownerDigestHTML}
