package journal

// hooks let tests observe and pause the writer. Production code leaves
// Options.hooks nil.
type hooks struct {
	beforeWrite func()            // a batch is about to be written
	wrote       func(through Pos) // a batch reaching through is in the files
	syncStart   func()            // an fsync round begins
	syncEnd     func()            // an fsync round completed
}
