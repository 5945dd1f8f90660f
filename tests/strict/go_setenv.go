// go_setenv - a correct Go program for the strict-mode tests: its first
// statement sets a variable.  With cgo, os.Setenv calls the C library's
// setenv, but the Go runtime already runs several threads of its own
// (all named after the program) by the time main starts.
package main

// #include <stdlib.h>
import "C"

import (
	"fmt"
	"os"
)

func main() {
	os.Setenv("GO_FIRST_THING", "1")
	fmt.Println("set " + C.GoString(C.getenv(C.CString("GO_FIRST_THING"))))
}
