// Camera scanning: one code path written against the BarcodeDetector API. The browser's own
// detector when it reads QR codes (Chrome on Android with Play services, macOS, ChromeOS),
// else the barcode-detector ponyfill (zxing-wasm) served by this server: never a CDN.

const FRAME_INTERVAL = 120; // ms between two decoded frames
const SAME_CODE_PAUSE = 3000; // ms during which the same code is not reported again

/** Return a BarcodeDetector for QR codes, or null when none can be had. */
export async function makeDetector({ decoderUrl, wasmUrl }) {
  const Native = globalThis.BarcodeDetector;
  if (Native && typeof Native.getSupportedFormats === "function") {
    try {
      const formats = await Native.getSupportedFormats();
      if (formats.includes("qr_code")) return new Native({ formats: ["qr_code"] });
    } catch {
      // Fall through to the ponyfill.
    }
  }
  if (!decoderUrl) return null;
  const module = await import(decoderUrl);
  module.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  });
  return new module.BarcodeDetector({ formats: ["qr_code"] });
}

/** Decode the video continuously; `onCode(text)` for each new code. Returns {stop()}. */
export async function startCamera(video, detector, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
  });
  video.srcObject = stream;
  await video.play().catch(() => {});
  let running = true;
  let busy = false;
  let lastText = "";
  let lastAt = 0;
  let lastFrame = 0;

  const tick = async (now) => {
    if (!running) return;
    if (!busy && now - lastFrame >= FRAME_INTERVAL && video.readyState >= 2) {
      busy = true;
      lastFrame = now;
      try {
        const found = await detector.detect(video);
        const text = found.length ? found[0].rawValue : "";
        const at = performance.now();
        if (text && (text !== lastText || at - lastAt > SAME_CODE_PAUSE)) {
          lastText = text;
          lastAt = at;
          onCode(text);
        } else if (text) {
          lastAt = at; // still in view: keep ignoring it
        }
      } catch {
        // A frame that cannot be read (the stream is starting, a resize): try the next one.
      } finally {
        busy = false;
      }
    }
    schedule();
  };
  const schedule = () => {
    if (!running) return;
    if ("requestVideoFrameCallback" in video) {
      video.requestVideoFrameCallback((now) => tick(now));
    } else {
      setTimeout(() => tick(performance.now()), FRAME_INTERVAL / 2);
    }
  };
  schedule();
  return {
    stop() {
      running = false;
      stream.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    },
  };
}
