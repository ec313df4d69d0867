package mail

import "fmt"

// OwnerAttention is the team's notice that owners' tasks of a request are
// stuck: overdue (the owner has not answered by the due time), or, with
// Cannot, an owner answered that they cannot do the step.
type OwnerAttention struct {
	RequestID string
	// Tasks are the stuck tasks: the system's name, the action, and the
	// cause in words (who has not answered and since when, or the owner's
	// reason).
	Tasks  []AttentionItem
	Cannot bool
}

// RenderOwnerAttention renders the team's notice of stuck owners' tasks.
// It names systems, owners and the owner's words only, never the person.
func RenderOwnerAttention(to string, a OwnerAttention) (Message, error) {
	if err := checkRecipient(to); err != nil {
		return Message{}, err
	}
	items := make([]AttentionItem, len(a.Tasks))
	for i, f := range a.Tasks {
		items[i] = AttentionItem{System: clean(f.System), Action: clean(f.Action), Cause: clean(f.Cause)}
	}
	a.Tasks, a.RequestID = items, clean(a.RequestID)
	subject := fmt.Sprintf("Overdue owner's task: privacy request %s", a.RequestID)
	if a.Cannot {
		subject = fmt.Sprintf("An owner cannot do a step: privacy request %s", a.RequestID)
	}
	return render(to, to, subject, ownerAttentionBody, a), nil
}

var ownerAttentionBody = body[OwnerAttention]{streamownerAttentionText, streamownerAttentionHTML}
