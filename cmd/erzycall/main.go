// Command erzycall is the command-line tool for ErzyCall webhooks.
package main

import (
	"os"

	"github.com/erzycall/erzycall/internal/app"
)

func main() { os.Exit(app.Main()) }
