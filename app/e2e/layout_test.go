package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"indberet/tenant"
	"indberet/tenant/demo"
	"indberet/tenant/tenanttest"
)

// layoutWidths are the widths every main page must fit (issue 17): a laptop and a phone.
var layoutWidths = []int64{1280, 390}

// clippedJS lists what does not fit on the page: the page wider than the viewport, and every
// visible control of main (row actions, toolbars, page buttons, form fields and buttons)
// not wholly inside its frame, the viewport cut by every ancestor that clips or scrolls
// sideways. A control in a scroll box scrolled out of sight counts as clipped: the user
// would not see it.
const clippedJS = `(() => {
	const de = document.documentElement, out = [];
	window.scrollTo(0, 0);
	const frame = el => {
		let l = 0, r = de.clientWidth;
		for (let p = el.parentElement; p && p !== de && p !== document.body; p = p.parentElement) {
			if (getComputedStyle(p).overflowX !== "visible") {
				const b = p.getBoundingClientRect();
				l = Math.max(l, b.left); r = Math.min(r, b.right);
			}
		}
		return [l, r];
	};
	const name = el => {
		const t = (el.innerText || el.value || el.getAttribute("aria-label") || el.id || el.name || "").trim().replace(/\s+/g, " ").slice(0, 40);
		return el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "") + (t ? " «" + t + "»" : "");
	};
	if (de.scrollWidth > de.clientWidth) {
		// Name the outermost elements that stick out, not in a box that clips them.
		const wide = Array.from(document.body.querySelectorAll("*")).filter(el => {
			const b = el.getBoundingClientRect();
			return b.width > 0 && b.right > de.clientWidth + 0.5 && frame(el)[1] >= de.clientWidth;
		});
		const outer = wide.filter(el => !wide.includes(el.parentElement)).slice(0, 3).map(name);
		out.push("the page is " + de.scrollWidth + "px wide in a " + de.clientWidth + "px viewport: " + outer.join(", "));
	}
	for (let el of document.querySelectorAll("main a[href], main button, main input:not([type=hidden]), main select, main textarea")) {
		if (el.closest("[hidden], .sr-only")) continue;
		if ((el.type === "radio" || el.type === "checkbox") && el.labels && el.labels.length) el = el.labels[0]; // dkfds draws the box on the label
		if (!el.getClientRects().length) continue;
		const b = el.getBoundingClientRect();
		if (b.width <= 1 || b.height <= 1) continue;
		const [l, r] = frame(el);
		if (b.left < l - 0.5 || b.right > r + 0.5) {
			out.push(name(el) + " at " + Math.round(b.left) + "–" + Math.round(b.right) + "px, its frame " + Math.round(l) + "–" + Math.round(r) + "px");
		}
	}
	return out;
})()`

// checkFits visits path at each width and fails the test for what does not fit (clippedJS);
// axe runs at each width too.
func (b *browser) checkFits(screen, path string) {
	b.t.Helper()
	for _, w := range layoutWidths {
		b.do(fmt.Sprint("viewport ", w), chromedp.EmulateViewport(w, 900))
		b.visit(path)
		if b.status != 200 {
			b.t.Errorf("%s (%s): status %d", screen, path, b.status)
			continue
		}
		for _, p := range evaluate[[]string](b, clippedJS) {
			b.t.Errorf("%s at %d px: %s", screen, w, p)
		}
		b.axe(fmt.Sprint(screen, " at ", w, " px"))
		b.screenshot(fmt.Sprint("layout-", screen, "-", w))
	}
	b.do("viewport reset", chromedp.EmulateViewport(1280, 900))
}

// TestBrowser_LayoutFits (issue 17, faster paths): at 1280 px and at 390 px every list and
// form of the main pages fits its frame: the page never scrolls sideways, and no row action,
// toolbar or form button is clipped or hidden in a scroll box. axe on each at both widths.
func TestBrowser_LayoutFits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	var sagID, ydelseID, leveranceID int64
	err := b.db.InScope(ctx, tenant.Scope{Kommune: "101", Actor: tenant.Actor{Email: "test"}}, func(tx *tenant.Tx) error {
		id, err := tx.SagIDByCPR(ctx, demo.NielsHansenCPR)
		if err != nil {
			return err
		}
		_, ys, err := tx.SagMedYdelser(ctx, id)
		if err != nil {
			return err
		}
		sagID, ydelseID = id, ys[len(ys)-1].ID
		// A leverance, so that the lists of deliveries have a row with its links.
		leveranceID, err = tenanttest.Leverance(ctx, tx, tenant.NewLeverance{Periode: "2026M09", CPRs: []string{demo.NielsHansenCPR},
			SHA256: strings.Repeat("c", 64), Tal: tenant.LeveranceTal{Sager: 1, Ydelser: 2, Nye: 1, Aendrede: 1}},
			[]byte(`<?xml version="1.0" encoding="UTF-8"?><Leverance periode="2026M09"><R><CPR>`+demo.NielsHansenCPR+`</CPR></R></Leverance>`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tenanttest.MarkDelivered(t, b.db, "101", time.Now().AddDate(0, 0, -1), []int64{sagID}, []int64{ydelseID})
	sag, ydelse := fmt.Sprint(sagID), fmt.Sprint(ydelseID)

	b.login("indberetter.101@demo.invalid", demo.Password)
	b.checkFits("indberetninger", "/indberetninger")
	b.checkFits("egne-sager-og-ydelser", "/indberetninger/egne?visning=sager-og-ydelser&filter=alle")
	b.checkFits("egne-kun-sager", "/indberetninger/egne?visning=kun-sager&filter=alle")
	b.checkFits("egne-ydelser-ved-sag", "/indberetninger/egne?visning=ydelser-ved-sag&filter=alle&sag="+sag)
	b.checkFits("sag", "/sager/"+sag)
	b.checkFits("sag-rediger", "/sager/"+sag+"/rediger")
	b.checkFits("opret", "/sager/ny")
	b.checkFits("ydelse-rediger", "/ydelser/"+ydelse+"/rediger")
	b.checkFits("tilfoej-ydelse", "/sager/"+sag+"/ydelser/ny")
	b.checkFits("leverancer", "/leverancer")
	b.checkFits("leverance", fmt.Sprint("/leverancer/", leveranceID))
	b.logout()

	b.login("kommuneadmin.101@demo.invalid", demo.Password)
	b.checkFits("brugere", "/brugere")
	b.checkFits("ny-bruger", "/brugere/ny")
	b.checkFits("revision", "/revision")
	b.checkFits("cpr-adgang", "/cpr-adgang")
	b.logout()

	b.login("dst@demo.invalid", demo.Password)
	b.checkFits("levering", "/levering")
	b.checkFits("alle", "/indberetninger/alle?kommune=101&visning=sager-og-ydelser&filter=alle")
	b.checkFits("sag-dst", "/sager/"+sag+"?kommune=101")
	b.checkFits("leverancer-dst", "/leverancer")
	b.checkFits("leverance-dst", fmt.Sprint("/leverancer/", leveranceID))
	b.checkFits("revision-dst", "/revision")
	if strings.Contains(b.location(), "login") {
		t.Error("logged out")
	}
}
