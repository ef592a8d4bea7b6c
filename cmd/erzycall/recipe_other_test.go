//go:build !unix

package main

import (
	"fmt"
	"os"
)

// runRecipe needs process groups: the docs' recipes are run on Unix only.
func runRecipe([]string) int {
	fmt.Fprintln(os.Stderr, "run-recipe: Unix only")
	return 2
}
