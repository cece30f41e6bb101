#!/usr/bin/env python3
"""Open a page in headless Chromium and report what a reader's browser saw.

Usage: browser.py CHROMIUM URL SCREENSHOT.png

Drives Chromium through the DevTools protocol over --remote-debugging-pipe
(JSON messages separated by NUL bytes on file descriptors 3 and 4: no
websocket), Python's standard library only. Prints one JSON object:
  requests   every URL the page requested (the page itself included)
  failed     requests that failed or were answered >= 400
  console    console messages of type error, assert or warning, and Log
             entries of level error (failed loads, CSP, …)
  exceptions uncaught exceptions
  svgs       per inline SVG: its aria-label and `marks`, the elements drawn in
             a data colour (bars, dots, lines), legend swatches not counted
  figures    every [data-figure] element: name, href, text
  text       the page's text as rendered
  screenshot {width, height, distinct, variance} of the PNG it wrote
"""
import base64, json, os, select, struct, subprocess, sys, tempfile, time, zlib

# The charts' data colours (src/report/chart.rs: BLUE, ORANGE, GREEN, GREY).
PALETTE = ["#3a6bc0", "#c85a3a", "#2a8d4a", "#777777"]

PAGE_SCRIPT = """(() => {
  const palette = %s;
  const colour = e => [e.getAttribute('fill'), e.getAttribute('stroke')]
      .some(c => c && palette.includes(c.toLowerCase()));
  const svgs = [...document.querySelectorAll('svg')].map(s => ({
    label: s.getAttribute('aria-label'),
    title: s.querySelector('title') ? s.querySelector('title').textContent : null,
    marks: [...s.querySelectorAll('rect, circle, polyline, path, polygon')]
      .filter(colour)
      .filter(e => !(e.tagName === 'rect' && e.getAttribute('width') === '14'
                     && e.getAttribute('height') === '12')).length,
  }));
  const figures = [...document.querySelectorAll('[data-figure]')].map(e => ({
    name: e.dataset.figure, href: e.getAttribute('href'), text: e.textContent }));
  return JSON.stringify({svgs, figures, title: document.title, text: document.body.innerText,
                         h1: document.querySelectorAll('h1').length});
})()""" % json.dumps(PALETTE)


class Pipe:
    def __init__(self, proc, out_fd, in_fd):
        self.proc, self.out, self.inp = proc, out_fd, in_fd
        self.buf, self.next_id, self.events = b"", 0, []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.out, json.dumps(msg).encode() + b"\0")
        return self.wait(lambda m: m.get("id") == self.next_id, 30)

    def read(self, timeout):
        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.inp], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.inp, 1 << 20)
            if not chunk:
                raise SystemExit("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait(self, cond, timeout):
        end = time.time() + timeout
        while time.time() < end:
            m = self.read(max(0.0, end - time.time()))
            if m is None:
                break
            if cond(m):
                if "error" in m:
                    raise SystemExit(f"DevTools error: {m['error']}")
                return m
            self.events.append(m)
        raise SystemExit("timed out waiting for chromium")

    def drain(self, seconds):
        end = time.time() + seconds
        while time.time() < end:
            m = self.read(max(0.0, end - time.time()))
            if m is None:
                break
            self.events.append(m)


def png_stats(data):
    """Decodes an 8-bit RGB(A) PNG with zlib; distinct colours and variance."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows, i = bytearray(stride), [], 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    pixels = [r[x:x + 3] for r in rows[::4] for x in range(0, stride, bpp * 4)]
    grey = [sum(p) / 3 for p in pixels]
    mean = sum(grey) / len(grey)
    return {"width": w, "height": h, "distinct": len(set(pixels)),
            "variance": sum((g - mean) ** 2 for g in grey) / len(grey)}


def main():
    chromium, url, shot = sys.argv[1:4]
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def fds():
        # Out of the way first (either may be 3 or 4), then into place;
        # dup2 makes them inheritable.
        r, w = os.dup(to_chrome_r) + 10, os.dup(from_chrome_w) + 10
        os.dup2(to_chrome_r, r)
        os.dup2(from_chrome_w, w)
        os.dup2(r, 3)
        os.dup2(w, 4)

    profile = tempfile.mkdtemp(prefix="understudy-chromium-")
    args = [chromium, "--headless", "--remote-debugging-pipe", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
            f"--user-data-dir={profile}", "about:blank"]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    proc = subprocess.Popen(args, preexec_fn=fds, close_fds=False,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    p = Pipe(proc, to_chrome_w, from_chrome_r)
    try:
        target = p.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
        s = p.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            p.send(f"{domain}.enable", session=s)
        p.send("Emulation.setDeviceMetricsOverride",
               {"width": 1000, "height": 1400, "deviceScaleFactor": 1, "mobile": False}, s)
        p.send("Page.navigate", {"url": url}, s)
        p.wait(lambda m: m.get("method") == "Page.loadEventFired", 30)
        p.drain(0.5)
        page = p.send("Runtime.evaluate", {"expression": PAGE_SCRIPT, "returnByValue": True}, s)
        page = json.loads(page["result"]["result"]["value"])
        png = base64.b64decode(p.send("Page.captureScreenshot", {"format": "png"}, s)["result"]["data"])
        with open(shot, "wb") as f:
            f.write(png)
        p.drain(0.2)
        try:
            p.send("Browser.close")
        except SystemExit:
            pass
    finally:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    urls, requests, failed, console, exceptions = {}, [], [], [], []
    for m in p.events:
        method, q = m.get("method"), m.get("params", {})
        if method == "Network.requestWillBeSent":
            urls[q["requestId"]] = q["request"]["url"]
            requests.append(q["request"]["url"])
        elif method == "Network.loadingFailed":
            failed.append({"url": urls.get(q["requestId"]), "error": q.get("errorText")})
        elif method == "Network.responseReceived" and q["response"].get("status", 200) >= 400:
            failed.append({"url": q["response"]["url"], "error": q["response"]["status"]})
        elif method == "Runtime.consoleAPICalled" and q["type"] in ("error", "assert", "warning"):
            console.append(" ".join(str(a.get("value", a.get("description"))) for a in q["args"]))
        elif method == "Log.entryAdded" and q["entry"]["level"] == "error":
            console.append(q["entry"]["text"] + " " + q["entry"].get("url", ""))
        elif method == "Runtime.exceptionThrown":
            exceptions.append(q["exceptionDetails"].get("text"))
    print(json.dumps({"requests": requests, "failed": failed, "console": console,
                      "exceptions": exceptions, "svgs": page["svgs"],
                      "figures": page["figures"], "title": page["title"], "h1": page["h1"],
                      "text": page["text"],
                      "screenshot": png_stats(png)}))


if __name__ == "__main__":
    main()
