package console

// Service is the desk behind the console's pages: the work list, the
// request pages and the actions.
type Service struct{}
