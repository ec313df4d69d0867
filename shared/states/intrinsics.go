package states

// EvalIntrinsic evaluates an intrinsic function expression such as
// "States.Format('Hello, {}', $.name)" against the input and context object.
func EvalIntrinsic(expr string, input, ctx any, env *Env) (any, error) {
	return nil, Errorf(ErrIntrinsicFailure, "intrinsic functions are not implemented yet: %s", expr)
}
