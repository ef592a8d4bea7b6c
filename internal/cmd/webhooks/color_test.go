package webhooks

import (
	"regexp"
	"testing"

	"github.com/erzycall/erzycall/internal/testutil"
)

func TestListColoursStatusOnATerminal(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, `{"data":[`+epActive+`,`+epDisabled+`]}`)
	e := newTestEnv(t, fake.URL()).tty(true)
	e.ios.SetColorEnabled(true)
	e.ios.SetTerminalWidth(120)
	if err := testutil.Run(t, newCmdList(e.f, nil)); err != nil {
		t.Fatal(err)
	}
	out := e.out.String()
	for _, want := range []string{"\x1b[32mactive\x1b[0m", "\x1b[31mdisabled\x1b[0m", "\x1b[1mID\x1b[0m", "\x1b[1mDESCRIPTION\x1b[0m"} {
		if !regexp.MustCompile(regexp.QuoteMeta(want)).MatchString(out) {
			t.Errorf("output lacks %q:\n%q", want, out)
		}
	}
	plain := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "")
	want := "" +
		"ID         URL                                 EVENTS                       STATUS    DESCRIPTION\n" +
		"wh_abc123  https://example.com/webhook         call.ended, contact.created  active    My production webhook\n" +
		"wh_def456  https://hooks.example.org/erzycall  call.failed                  disabled\n"
	if plain != want {
		t.Errorf("without colour codes:\n%q\nwant\n%q", plain, want)
	}
}

func TestPipedOutputHasNoColourEvenWhenEnabled(t *testing.T) {
	fake := newFakeAPI(t)
	fake.Register("GET", "/webhooks", "", 200, `{"data":[`+epActive+`]}`)
	e := newTestEnv(t, fake.URL())
	e.ios.SetColorEnabled(true) // CLICOLOR_FORCE on a pipe
	if err := testutil.Run(t, newCmdList(e.f, nil)); err != nil {
		t.Fatal(err)
	}
	e.wantOutput(t, "wh_abc123\thttps://example.com/webhook\tcall.ended,contact.created\tactive\tMy production webhook\n", "")
}
