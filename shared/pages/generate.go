package pages

//go:generate go tool qtc -skipLineComments -dir=.
