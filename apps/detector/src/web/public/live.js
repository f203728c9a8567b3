// Live mode of the companion page: camera or video file → JPEG frames over the service's WebSocket stream (/stream)
// → boxes drawn over the playing video. Plain browser JavaScript, no build step; it only needs #live-mode in the page.
import { apiFetch, openStreamSocket } from './api-key.js';
import { placeLabels } from './label-layout.js';
import { fetchModelStates, isRunnable } from './model-states.js';

const INPUT_SIZES = [640, 480, 416, 320];
const JPEG_QUALITY = 0.8;
/**
 * Frames on their way or at the server: one running, one waiting. The server keeps the newest and drops older
 * ones, so this keeps its worker busy without building a queue.
 */
const MAX_IN_FLIGHT = 2;
/** A video file played frame by frame assumes this rate (browsers do not expose a file's own). */
const FILE_FRAME_RATE = 30;

const CAMERA_ERRORS = {
  NotAllowedError: 'Camera access was refused. Allow the camera for this site in the browser (the icon in the address bar), then press Start camera again.',
  SecurityError: 'Camera access was refused. Allow the camera for this site in the browser (the icon in the address bar), then press Start camera again.',
  NotFoundError: 'No camera was found. Connect one, or open a video file instead.',
  OverconstrainedError: 'No camera was found. Connect one, or open a video file instead.',
  NotReadableError: 'The camera is in use by another application, or the system blocked it. Close the other application and try again.',
};

const root = document.getElementById('live-mode');
if (root) setUpLiveMode(root);

function setUpLiveMode(root) {
  root.classList.add('panel', 'live');
  root.setAttribute('aria-labelledby', 'live-title');
  root.innerHTML = `
    <header class="live-header">
      <div>
        <h2 id="live-title">Live detection</h2>
        <p class="hint">Your camera (the rear one on phones) or a video file, detected frame after frame over a WebSocket stream. The newest frame always wins: frames the model cannot keep up with are dropped, never queued.</p>
      </div>
    </header>
    <div class="live-controls">
      <button type="button" class="primary" id="live-camera">Start camera</button>
      <label class="secondary live-file" for="live-file">Open video file<input id="live-file" type="file" accept="video/*" class="visually-hidden" /></label>
      <div class="live-field">
        <label for="live-file-mode">Video file frames</label>
        <select id="live-file-mode">
          <option value="latest">Latest wins (real time)</option>
          <option value="every">Every frame</option>
        </select>
      </div>
      <div class="live-field"><label for="live-model">Live model</label><select id="live-model"></select></div>
      <div class="live-field"><label for="live-size">Input size</label><select id="live-size">${INPUT_SIZES.map((size) => `<option value="${size}">${size}</option>`).join('')}</select></div>
      <div class="live-field"><label for="live-confidence">Live min. confidence</label><input id="live-confidence" type="number" min="0.05" max="1" step="0.05" value="0.25" /></div>
      <button type="button" class="secondary" id="live-pause" disabled>Pause</button>
      <button type="button" class="secondary" id="live-stop" disabled>Stop</button>
    </div>
    <p id="live-size-note" class="hint notice" role="status" hidden></p>
    <div id="live-error" class="error" role="alert" hidden></div>
    <p id="live-status" class="hint" role="status"></p>
    <div class="live-stage" id="live-stage" hidden>
      <video id="live-video" muted playsinline></video>
      <canvas id="live-overlay" data-box-count="0" role="img" aria-label="Detected objects"></canvas>
    </div>
    <dl class="live-stats" aria-live="off">
      <div><dt>Frames / s</dt><dd id="live-fps">–</dd></div>
      <div><dt>Latency (end to end)</dt><dd id="live-latency">–</dd></div>
      <div><dt>Inference</dt><dd id="live-inference">–</dd></div>
      <div><dt>Dropped</dt><dd id="live-dropped">0</dd></div>
      <div><dt>Model</dt><dd id="live-model-used">–</dd></div>
      <div><dt>Input</dt><dd id="live-input">–</dd></div>
    </dl>`;

  const $ = (id) => root.querySelector(`#${id}`);
  const video = $('live-video');
  const overlay = $('live-overlay');
  const capture = document.createElement('canvas');
  const live = {
    socket: null,
    /** Frame ids are the order of binary messages on the stream, counted from 1 by both sides. */
    sent: 0,
    sentAt: new Map(),
    answeredAt: [],
    detections: [],
    answerModel: null,
    source: null, // 'camera' | 'file'
    paused: false,
    colours: {},
  };

  /** Per model: its GET /models/{name} state (null where that could not be read). */
  const modelStates = {};
  // Models that cannot run (not installed, failed) are listed but disabled, and the first one that can is chosen.
  fetchModelStates().then((models) => {
    const select = $('live-model');
    select.replaceChildren(...models.map(({ name, state }) => Object.assign(document.createElement('option'), { value: name, textContent: name, disabled: !isRunnable(state) })));
    for (const { name, state } of models) modelStates[name] = state;
    const runnable = [...select.options].find((option) => !option.disabled);
    if (runnable) select.value = runnable.value;
    showSizeNote();
  }).catch(() => showError('The service did not list its models.'));
  apiFetch('/ui/class-colours.json').then((response) => response.json()).then((colours) => (live.colours = colours)).catch(() => undefined);

  $('live-camera').addEventListener('click', startCamera);
  $('live-file').addEventListener('change', (event) => event.target.files[0] && startFile(event.target.files[0]));
  $('live-pause').addEventListener('click', togglePause);
  $('live-stop').addEventListener('click', stop);
  for (const id of ['live-model', 'live-size', 'live-confidence']) $(id).addEventListener('change', sendSettings);
  for (const id of ['live-model', 'live-size']) $(id).addEventListener('change', showSizeNote);

  /** A model that runs at its fixed square (shape_policy "fixed") ignores Input size: say so when it asks for another. */
  function showSizeNote() {
    const model = $('live-model').value;
    const [, , height, width] = modelStates[model]?.input_shape ?? [];
    const fixed = modelStates[model]?.shape_policy === 'fixed' && Number.isInteger(height) && Number.isInteger(width);
    const size = Number($('live-size').value);
    const ignored = fixed && Math.max(height, width) !== size;
    $('live-size-note').hidden = !ignored;
    $('live-size-note').textContent = ignored ? `${model} runs at its fixed ${width}×${height} input, so Input size ${size} does not apply to it.` : '';
  }

  function settings() {
    return { model: $('live-model').value, input_size: Number($('live-size').value), confidence_threshold: Number($('live-confidence').value) };
  }

  /** Model, size and threshold change on the open stream: no reconnection, the next frame uses them. */
  function sendSettings() {
    if (live.socket?.readyState === WebSocket.OPEN) live.socket.send(JSON.stringify({ event: 'settings', data: settings() }));
  }

  function showError(message) {
    $('live-error').textContent = message;
    $('live-error').hidden = !message;
  }

  async function startCamera() {
    showError('');
    if (!navigator.mediaDevices?.getUserMedia) {
      return showError('This browser gives no camera to this page: cameras need HTTPS (or http://localhost). Open a video file instead.');
    }
    stop();
    try {
      const media = await navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } } });
      video.srcObject = media;
      await begin('camera');
    } catch (error) {
      showError(CAMERA_ERRORS[error.name] ?? `The camera could not be started: ${error.message}`);
    }
  }

  async function startFile(file) {
    showError('');
    stop();
    video.src = URL.createObjectURL(file);
    video.loop = $('live-file-mode').value === 'latest';
    try {
      await begin('file');
    } catch (error) {
      showError(`This video cannot be played by the browser: ${error.message}`);
    }
  }

  async function begin(source) {
    live.source = source;
    $('live-status').textContent = '';
    await new Promise((resolve, reject) => {
      video.onloadeddata = resolve;
      video.onerror = () => reject(new Error(video.error?.message || 'unsupported file'));
      if (video.readyState >= 2) resolve();
    });
    $('live-stage').hidden = false;
    const everyFrame = source === 'file' && $('live-file-mode').value === 'every';
    if (!everyFrame) await video.play();
    openStream(everyFrame);
    $('live-pause').disabled = $('live-stop').disabled = false;
  }

  function openStream(everyFrame) {
    const query = new URLSearchParams(Object.entries(settings()).map(([key, value]) => [key, String(value)]));
    const socket = openStreamSocket(query);
    Object.assign(live, { socket, sent: 0, sentAt: new Map(), answeredAt: [], detections: [], paused: false });
    socket.onopen = () => (everyFrame ? nextFileFrame() : pump());
    socket.onmessage = (message) => onMessage(JSON.parse(message.data), everyFrame);
    socket.onclose = (event) => {
      if (live.socket !== socket) return;
      if (event.code !== 1000 && event.code !== 1005) showError(`The stream was closed by the service (${event.code}): ${event.reason || 'connection lost'}.`);
      stop();
    };
  }

  function onMessage({ event, data }, everyFrame) {
    if (event === 'detections' || event === 'error' || event === 'dropped') {
      const sentAt = live.sentAt.get(data.frame);
      live.sentAt.delete(data.frame);
      if (event === 'detections') {
        const now = performance.now();
        live.answeredAt.push(now);
        live.detections = data.detections;
        live.answerModel = data.model;
        $('live-latency').textContent = `${Math.round(now - sentAt)} ms`;
        $('live-inference').textContent = `${Math.round(data.timings.inference)} ms`;
        $('live-model-used').textContent = data.model;
        $('live-input').textContent = `${data.input.width}×${data.input.height}`;
        $('live-dropped').textContent = String(data.dropped);
        showFps(now);
        drawBoxes(data.image);
      } else if (event === 'dropped') {
        $('live-dropped').textContent = String(data.dropped);
      } else {
        showError(`${data.frame ? `Frame ${data.frame}: ` : ''}${data.message}`);
      }
      if (everyFrame) nextFileFrame();
      else pump();
    }
  }

  function showFps(now) {
    while (live.answeredAt.length > 0 && live.answeredAt[0] < now - 2000) live.answeredAt.shift();
    const span = (now - live.answeredAt[0]) / 1000;
    $('live-fps').textContent = live.answeredAt.length > 1 ? (( live.answeredAt.length - 1) / span).toFixed(1) : '–';
  }

  /** Latest wins: whenever fewer than MAX_IN_FLIGHT frames are out, grab the current video frame and send it. */
  function pump() {
    if (live.paused || live.socket?.readyState !== WebSocket.OPEN) return;
    while (live.sentAt.size < MAX_IN_FLIGHT) sendFrame();
  }

  /** Every frame: the file is stepped one frame at a time, the next only once the previous one is answered. */
  async function nextFileFrame() {
    if (live.paused || live.socket?.readyState !== WebSocket.OPEN) return;
    if (live.sent > 0) {
      // The page keeps its own clock: a seek may report a time snapped to the file's nearest frame.
      const next = live.sent / FILE_FRAME_RATE;
      if (next > video.duration) return finish();
      await new Promise((resolve) => {
        video.onseeked = resolve;
        video.currentTime = next;
      });
      // A recorded WebM may not know its duration (Infinity): its end is where seeks stop short.
      if (video.currentTime < next - 1 / FILE_FRAME_RATE) return finish();
    }
    sendFrame();
  }

  function sendFrame() {
    const id = ++live.sent;
    live.sentAt.set(id, performance.now());
    // The model sees at most input_size pixels on a side: sending more would only cost upload and decode time.
    const scale = Math.min(1, Number($('live-size').value) / Math.max(video.videoWidth, video.videoHeight));
    capture.width = Math.round(video.videoWidth * scale);
    capture.height = Math.round(video.videoHeight * scale);
    capture.getContext('2d').drawImage(video, 0, 0, capture.width, capture.height);
    const socket = live.socket;
    capture.toBlob((blob) => blob.arrayBuffer().then((bytes) => socket.readyState === WebSocket.OPEN && socket.send(bytes)), 'image/jpeg', JPEG_QUALITY);
  }

  function drawBoxes(image) {
    const width = video.clientWidth;
    const height = video.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    overlay.width = Math.round(width * ratio);
    overlay.height = Math.round(height * ratio);
    const context = overlay.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    // The video is shown whole (object-fit: contain): boxes follow its displayed rectangle.
    const fit = Math.min(width / image.width, height / image.height);
    const left = (width - image.width * fit) / 2;
    const top = (height - image.height * fit) / 2;
    // Smaller tabs on a phone; placed so that none covers another, the most confident first.
    const fontSize = width < 480 ? 11 : 13;
    const tabHeight = fontSize + 5;
    context.font = `600 ${fontSize}px system-ui, sans-serif`;
    context.textBaseline = 'top';
    context.lineWidth = 2;
    const boxes = [...live.detections]
      .sort((a, b) => b.confidence - a.confidence)
      .map((detection) => {
        const label = `${detection.class_name} ${detection.confidence.toFixed(2)}`;
        return {
          label,
          colour: live.colours[live.answerModel]?.[detection.class_name] ?? { box: '#FF3838', text: '#000000' },
          x: left + detection.x_min * fit,
          y: top + detection.y_min * fit,
          width: (detection.x_max - detection.x_min) * fit,
          height: (detection.y_max - detection.y_min) * fit,
          tabWidth: context.measureText(label).width + 8,
        };
      });
    for (const box of boxes) {
      context.strokeStyle = box.colour.box;
      context.strokeRect(box.x, box.y, box.width, box.height);
    }
    const tabs = placeLabels(boxes.map((box) => ({ left: box.x, top: box.y, bottom: box.y + box.height, width: box.tabWidth, height: tabHeight })), width);
    const drawn = [];
    boxes.forEach((box, i) => {
      const tab = tabs[i];
      if (!tab) return;
      context.fillStyle = box.colour.box;
      context.fillRect(tab.x, tab.y, box.tabWidth, tabHeight);
      context.fillStyle = box.colour.text;
      context.fillText(box.label, tab.x + 4, tab.y + 3);
      drawn.push({ x: tab.x, y: tab.y, width: box.tabWidth, height: tabHeight });
    });
    overlay.dataset.boxCount = String(live.detections.length);
    // The label tabs as drawn, in CSS pixels: readable without decoding the canvas (the browser tests check them).
    overlay.dataset.labels = JSON.stringify(drawn);
  }

  function togglePause() {
    live.paused = !live.paused;
    $('live-pause').textContent = live.paused ? 'Resume' : 'Pause';
    const everyFrame = live.source === 'file' && $('live-file-mode').value === 'every';
    if (live.paused) video.pause();
    else if (everyFrame) nextFileFrame();
    else video.play().then(pump);
  }

  /** The end of a file played frame by frame: the stream closes, the last frame and its boxes stay on screen. */
  function finish() {
    $('live-status').textContent = `Done: ${live.sent} frames (${video.currentTime.toFixed(2)} s of ${video.duration.toFixed(2)} s).`;
    const socket = live.socket;
    live.socket = null;
    socket?.close(1000);
    $('live-pause').disabled = true;
  }

  function stop() {
    const socket = live.socket;
    live.socket = null;
    socket?.close(1000);
    video.pause();
    video.srcObject?.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
    if (video.src) URL.revokeObjectURL(video.src);
    video.removeAttribute('src');
    live.paused = false;
    $('live-pause').textContent = 'Pause';
    $('live-pause').disabled = $('live-stop').disabled = true;
  }
}
