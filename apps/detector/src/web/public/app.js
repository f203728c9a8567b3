// The companion page: plain browser JavaScript, no build step, talking to the service's own REST API.
import { apiFetch } from './api-key.js';
import { fetchModelStates, isRunnable } from './model-states.js';

/**
 * Detection asks the service for every box down to the slider's minimum confidence, then the page filters by the
 * slider without asking again. That shows exactly what a request at the slider's value would return: greedy NMS
 * keeps or drops a box looking only at more confident boxes, so boxes below the slider never change the fate of
 * boxes above it, and the 1000-box cap only cuts the least confident ones. (Confidences arrive rounded to 3
 * decimals, so a box within 0.0005 of the slider can land on the other side.) The IoU slider changes NMS itself,
 * so moving it asks the service again.
 */
const REQUEST_CONFIDENCE = Number(document.getElementById('confidence').min);
const COMPARE = 'compare';
/** A float model and its INT8 twin side by side: `pair:<float model>`. */
const PAIR_PREFIX = 'pair:';
const STAGES = ['decode', 'preprocess', 'inference', 'postprocess'];
const ERROR_TITLES = {
  400: 'The image could not be read',
  413: 'The image is too large',
  415: 'Unsupported image format',
  422: 'The request was not accepted',
  503: 'Model not available',
};

const $ = (id) => document.getElementById(id);
const form = $('controls');
const photoInput = $('photo');
const dropzone = $('dropzone');
const confidenceInput = $('confidence');
const iouInput = $('iou');
const detectButton = $('detect');
const resultsBox = $('results');

const state = {
  file: null,
  /** The photo as the browser decodes it (EXIF orientation applied, like the service), or null if it cannot. */
  bitmap: null,
  /** Resolves to the bitmap (or null) of the photo last chosen. */
  decoding: Promise.resolve(null),
  /** The last answer: { mode, results, skipped, agreement, note }. */
  answer: null,
  /** Per model: its state from GET /models/{name} (null if that failed). */
  models: {},
  /** Per model, per class: { box, text } colours, the same as the service's annotated images. */
  colours: {},
  inFlight: null,
};

const formatMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`);
const formatRatio = (value) => (value === null ? '–' : value.toFixed(2));
const boxCount = (count) => `${count} box${count === 1 ? '' : 'es'}`;
const totalMs = (timings) => STAGES.reduce((sum, stage) => sum + timings[stage], 0);
const colourOf = (model, className) => state.colours[model]?.[className] ?? { box: '#FF3838', text: '#000000' };
const isShown = (detection) => detection.confidence >= Number(confidenceInput.value);

function selectedMode() {
  return form.querySelector('input[name="model"]:checked')?.value ?? null;
}

/* ---------- start-up: models and colours ---------- */

async function loadModels() {
  const options = $('model-options');
  try {
    const models = await fetchModelStates();
    const names = models.map(({ name }) => name);
    state.models = Object.fromEntries(models.map(({ name, state: modelState }) => [name, modelState]));
    names.forEach((name) => options.append(modelOption(name, state.models[name])));
    const runnable = names.filter((name) => isRunnable(state.models[name]));
    for (const [float, twin] of twinPairs(names)) options.append(pairOption(float, twin, runnable.includes(float) && runnable.includes(twin)));
    options.append(modelOption(COMPARE, null, runnable.length > 0));
    // Preselect a model that can run: never one that is not installed.
    const first = options.querySelector('input:not(:disabled)');
    if (first) first.checked = true;
    showModelsHint(names, runnable);
  } catch (error) {
    showError({ title: 'The service did not list its models', detail: error.message });
  }
  updateDetectButton();
}

/** [float model, its INT8 twin] for each twin whose float model is served: the quantizer's record names the float file. */
function twinPairs(names) {
  const floatByFile = new Map(names.filter((name) => state.models[name]?.file && !state.models[name].quantization).map((name) => [state.models[name].file, name]));
  return names.flatMap((twin) => {
    const float = floatByFile.get(state.models[twin]?.quantization?.source);
    return float ? [[float, twin]] : [];
  });
}

/** The models a mode runs: one, a float model and its twin, or (null) all of them. */
function modelsOf(mode) {
  if (mode === COMPARE) return null;
  if (!mode.startsWith(PAIR_PREFIX)) return [mode];
  const float = mode.slice(PAIR_PREFIX.length);
  return twinPairs(Object.keys(state.models)).find(([name]) => name === float) ?? [float];
}

function pairOption(float, twin, enabled) {
  const label = document.createElement('label');
  label.className = 'compare-option';
  const input = document.createElement('input');
  Object.assign(input, { type: 'radio', name: 'model', value: `${PAIR_PREFIX}${float}`, disabled: !enabled });
  const name = document.createElement('span');
  name.textContent = `${float}: FP32 vs INT8`;
  label.title = `Runs ${float} and ${twin} one after another on the photo: their speed and how far their boxes agree.`;
  label.append(input, name);
  return label;
}

/** The INT8 model's accuracy record, in a sentence: how it was made and how far it agreed with its float model then. */
function quantizationSentence(record) {
  const calibration = record.calibration?.images ? `calibrated on ${record.calibration.images} photos` : 'calibrated';
  const source = record.source ?? 'its float model';
  const agreement = record.agreement;
  if (!agreement) return `INT8 twin of ${source}, ${calibration}; no agreement was measured when it was made.`;
  const figure = (value) => (value === null ? '–' : value.toFixed(3));
  return (
    `INT8 twin of ${source}, ${calibration}. When made, on ${agreement.photos} ${agreement.held_out ? 'other' : 'of those'} photos it found ` +
    `${agreement.boxes_int8} boxes where the float model found ${agreement.boxes_float}, ${agreement.matched} the same ` +
    `(F1 ${figure(agreement.f1)}, mean IoU ${figure(agreement.mean_iou)}).`
  );
}

const HEAD_LAYOUT_NAMES = { yolov5: 'YOLOv5', yolov8: 'YOLOv8/11', end2end: 'End-to-end (NMS inside)' };
const UNAVAILABLE_NOTES = { missing: 'not installed', failed: 'failed to load', fetching: 'downloading' };

function showModelsHint(names, runnable) {
  const missing = names.filter((name) => !runnable.includes(name));
  const randomWeights = names.filter((name) => state.models[name]?.random_weights);
  const sentences = [];
  if (runnable.length === 0) {
    sentences.push('No model is installed, so nothing can run yet: the README ("Real detections, also offline") says how to install the official ones or your own YOLO export (YOLOv5, YOLOv8/11 or end-to-end).');
  } else if (missing.length > 0) {
    sentences.push(`Not installed: ${missing.join(', ')}. Compare all runs ${runnable.join(', ')}.`);
  }
  if (randomWeights.length > 0) {
    const [subject, verb] = randomWeights.length === 1 ? [randomWeights[0], 'has'] : [randomWeights.join(', '), 'have'];
    sentences.push(
      `${subject} ${verb} random weights: a stand-in with the real architecture that runs at full speed but finds nothing in photos. ` +
        'For real detections install the official weights or your own YOLO export (README, "Real detections, also offline").',
    );
  }
  $('models-hint').hidden = sentences.length === 0;
  $('models-hint').textContent = sentences.join(' ');
}

function modelOption(value, modelState, enabled = isRunnable(modelState)) {
  const label = document.createElement('label');
  if (value === COMPARE) label.className = 'compare-option';
  const input = document.createElement('input');
  Object.assign(input, { type: 'radio', name: 'model', value, disabled: !enabled });
  const name = document.createElement('span');
  name.textContent = value === COMPARE ? 'Compare all' : value;
  label.append(input, name);
  // A custom model says what it finds (its own classes); the COCO models are known by name.
  if (modelState?.classes) label.title = `${HEAD_LAYOUT_NAMES[modelState.head_layout] ?? 'YOLO'} head, ${modelState.classes.length} classes: ${modelState.classes.join(', ')}`;
  const noteText = modelState && !modelState.available ? (UNAVAILABLE_NOTES[modelState.status] ?? 'not available') : modelState?.random_weights ? 'random weights' : modelState?.quantization ? 'INT8' : null;
  if (noteText) {
    const note = document.createElement('span');
    note.className = 'model-state';
    note.textContent = noteText;
    // An INT8 model: its accuracy record; on a CPU without VNNI the service's notice says it may be slower than its float twin.
    if (modelState?.quantization) note.title = [quantizationSentence(modelState.quantization), modelState.notice].filter(Boolean).join(' ');
    else if (modelState?.notice) note.title = modelState.notice;
    label.append(note);
  }
  return label;
}

/** Detect runs only with a photo and a model that can run; otherwise the hint under it says what is missing. */
function updateDetectButton() {
  const reason = !selectedMode() ? 'No model can run: see the note under Model.' : !state.file ? 'Choose a photo first.' : '';
  detectButton.disabled = reason !== '';
  $('detect-hint').textContent = reason;
  $('detect-hint').hidden = reason === '';
}

async function loadColours() {
  state.colours = await fetchJson('/ui/class-colours.json').catch(() => ({}));
}

async function fetchJson(url, init) {
  const response = await apiFetch(url, init);
  if (!response.ok) throw await responseError(response);
  return response.json();
}

/** The service answers errors as { statusCode, error, detail }: show its detail, it says what to do. */
async function responseError(response) {
  const body = await response.json().catch(() => null);
  const error = new Error(body?.detail ?? `${response.status} ${response.statusText}`);
  error.title = `${ERROR_TITLES[response.status] ?? body?.error ?? 'Request failed'} (${response.status})`;
  error.status = response.status;
  return error;
}

/* ---------- choosing a photo ---------- */

function choosePhoto(file) {
  if (!file) return;
  state.inFlight?.abort();
  state.file = file;
  state.answer = null;
  state.bitmap?.close?.();
  state.bitmap = null;
  // Decoded while the service works; browsers cannot show every format it reads (TIFF): then boxes go on a blank canvas.
  state.decoding = createImageBitmap(file, { imageOrientation: 'from-image' }).catch(() => null);
  const name = $('photo-name');
  name.hidden = false;
  name.textContent = `${file.name} · ${Math.max(1, Math.round(file.size / 1024))} KB`;
  updateDetectButton();
  clearError();
  render();
  setStatus(`${file.name} selected.${detectButton.disabled ? '' : ' Press Detect objects.'}`);
}

photoInput.addEventListener('change', () => choosePhoto(photoInput.files[0]));

for (const type of ['dragenter', 'dragover']) {
  dropzone.addEventListener(type, (event) => {
    event.preventDefault();
    dropzone.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop']) {
  dropzone.addEventListener(type, () => dropzone.classList.remove('dragging'));
}
dropzone.addEventListener('drop', (event) => {
  event.preventDefault();
  choosePhoto(event.dataTransfer.files[0]);
});

/* ---------- running detection ---------- */

async function detect() {
  const mode = selectedMode();
  if (!state.file || !mode) return;
  state.inFlight?.abort();
  const controller = new AbortController();
  state.inFlight = controller;

  const body = new FormData();
  body.append('image', state.file);
  body.append('confidence_threshold', String(REQUEST_CONFIDENCE));
  body.append('iou_threshold', iouInput.value);
  const models = modelsOf(mode);
  const comparing = models === null || models.length > 1;
  if (!comparing) body.append('model', models[0]);
  else if (models !== null) body.append('models', models.join(','));

  setBusy(true);
  clearError();
  setStatus(comparing ? 'Running the models one after another…' : `Running ${models[0]}…`);
  const started = performance.now();
  try {
    const answer = await fetchJson(comparing ? '/predict/compare' : '/predict', { method: 'POST', body, signal: controller.signal });
    const roundTrip = performance.now() - started;
    state.bitmap = await state.decoding;
    state.answer =
      comparing
        ? { mode, results: answer.results, skipped: answer.skipped, agreement: answer.agreement, note: answer.note }
        : { mode, results: [answer], skipped: [], agreement: null, note: null };
    render();
    const ran = state.answer.results.map((result) => result.model).join(', ');
    setStatus(`${ran}: done in ${formatMs(roundTrip)} round trip.${state.answer.note ? ` ${state.answer.note}` : ''}`);
  } catch (error) {
    if (error.name === 'AbortError') return;
    state.answer = null;
    render();
    setStatus('');
    showError({ title: error.title ?? 'The service did not answer', detail: error.message });
  } finally {
    if (state.inFlight === controller) {
      state.inFlight = null;
      setBusy(false);
    }
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  detect();
});

// Once a photo has been analysed, a new model choice or IoU runs detection again; confidence only re-filters.
form.addEventListener('change', (event) => {
  if (state.answer && (event.target.name === 'model' || event.target === iouInput)) detect();
});
iouInput.addEventListener('input', () => ($('iou-value').textContent = Number(iouInput.value).toFixed(2)));
confidenceInput.addEventListener('input', () => {
  $('confidence-value').textContent = Number(confidenceInput.value).toFixed(2);
  draw();
});

function setBusy(busy) {
  detectButton.classList.toggle('busy', busy);
  detectButton.querySelector('.button-label').textContent = busy ? 'Detecting…' : 'Detect objects';
  form.setAttribute('aria-busy', String(busy));
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError({ title, detail }) {
  $('error').hidden = false;
  $('error-title').textContent = title;
  $('error-detail').textContent = detail;
  // On a phone the results area, and so the banner, is below the form: bring it into view.
  const { top, bottom } = $('error').getBoundingClientRect();
  if (top < 0 || bottom > window.innerHeight) $('error').scrollIntoView({ block: 'start' });
}

function clearError() {
  $('error').hidden = true;
}

/* ---------- results ---------- */

/** Builds one card per model from the last answer; draw() then fills in everything that depends on the slider. */
function render() {
  resultsBox.replaceChildren();
  const answer = state.answer;
  $('empty').hidden = Boolean(answer || state.file); // the introduction, until a photo is chosen
  $('agreement').hidden = !answer?.agreement || answer.agreement.pairs.length === 0;
  if (!answer) return;
  resultsBox.classList.toggle('single', answer.results.length + answer.skipped.length === 1);
  // In a comparison the timing bars share one scale, so the slowest model's bar is full and the others read against it.
  const slowest = Math.max(...answer.results.map((result) => totalMs(result.timings)));
  for (const result of answer.results) resultsBox.append(resultCard(result, slowest));
  for (const skipped of answer.skipped) resultsBox.append(skippedCard(skipped));
  draw();
}

function resultCard(result, slowest) {
  const card = $('result-card').content.firstElementChild.cloneNode(true);
  card.dataset.model = result.model;
  card.querySelector('.card-title').textContent = result.model;
  card.querySelector('.image-info').textContent =
    `Photo ${result.image.width}×${result.image.height} px, model input ${result.input.width}×${result.input.height}.`;
  if (state.models[result.model]?.random_weights) {
    const notice = card.querySelector('.random-weights');
    notice.hidden = false;
    notice.textContent = `${result.model} has random weights: it does not recognise anything, so its boxes (usually none) mean nothing. Install real weights for detections.`;
  }

  const total = totalMs(result.timings);
  const record = state.models[result.model]?.quantization;
  if (record) {
    const notice = card.querySelector('.quantization-record');
    notice.hidden = false;
    notice.textContent = quantizationSentence(record);
  }

  card.querySelector('.total-ms').textContent = formatMs(total);
  const bar = card.querySelector('.timing-bar');
  bar.style.width = `${Math.max(4, (100 * total) / slowest)}%`;
  const stages = card.querySelector('.timing-stages');
  for (const stage of STAGES) {
    const segment = document.createElement('span');
    segment.className = `stage-${stage}`;
    segment.style.width = `${(100 * result.timings[stage]) / total}%`;
    bar.append(segment);
    const item = document.createElement('div');
    item.className = `stage-${stage}`;
    const term = document.createElement('dt');
    term.textContent = stage;
    const value = document.createElement('dd');
    value.textContent = formatMs(result.timings[stage]);
    item.append(term, value);
    stages.append(item);
  }
  card.querySelector('.timing').setAttribute('aria-label', `${result.model} took ${formatMs(total)}`);
  card.querySelector('.download').addEventListener('click', (event) => downloadAnnotated(result.model, event.currentTarget));
  card.querySelector('.download-boxes').addEventListener('click', (event) => downloadBoxes(result.model, event.currentTarget));
  return card;
}

function skippedCard(skipped) {
  const card = $('skipped-card').content.firstElementChild.cloneNode(true);
  card.dataset.model = skipped.model;
  card.querySelector('.card-title').textContent = skipped.model;
  card.querySelector('.skipped-detail').textContent = skipped.detail;
  return card;
}

/** Everything the confidence slider changes: boxes on the canvases, counts, detection tables, agreement. */
function draw() {
  const answer = state.answer;
  if (!answer) return;
  for (const result of answer.results) {
    const card = resultsBox.querySelector(`[data-model="${CSS.escape(result.model)}"]`);
    const shown = result.detections.filter(isShown);
    const canvas = card.querySelector('canvas');
    drawCanvas(canvas, result, shown);
    canvas.dataset.boxCount = String(shown.length);
    canvas.setAttribute('aria-label', `${result.model}: ${describe(shown)}`);
    const count = card.querySelector('.box-count');
    count.textContent = boxCount(shown.length);
    count.dataset.boxCount = String(shown.length);
    fillDetectionTable(card, result.model, shown);
  }
  if (answer.agreement) fillAgreement(answer);
}

function describe(detections) {
  if (detections.length === 0) return 'no objects above the confidence threshold';
  return detections.map((d) => `${d.class_name} ${d.confidence.toFixed(2)}`).join(', ');
}

function drawCanvas(canvas, result, detections) {
  const ratio = window.devicePixelRatio || 1;
  // As wide as the card, but never taller than 70 % of the window: a portrait photo stays on screen.
  const aspect = result.image.height / result.image.width;
  const cssWidth = Math.min(canvas.parentElement.clientWidth || 300, (0.7 * window.innerHeight) / aspect);
  const cssHeight = cssWidth * aspect;
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * ratio);
  canvas.height = Math.round(cssHeight * ratio);
  const context = canvas.getContext('2d');
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  if (state.bitmap) {
    context.drawImage(state.bitmap, 0, 0, cssWidth, cssHeight);
  } else {
    context.fillStyle = '#d0d5dd';
    context.fillRect(0, 0, cssWidth, cssHeight);
  }
  // Boxes are in the service's pixels of the upright photo; scale them to the canvas.
  const scale = cssWidth / result.image.width;
  const fontSize = cssWidth < 420 ? 11 : 13;
  context.font = `600 ${fontSize}px system-ui, sans-serif`;
  context.textBaseline = 'top';
  const ordered = [...detections].sort((a, b) => a.confidence - b.confidence); // most confident on top
  for (const detection of ordered) {
    const { box } = colourOf(result.model, detection.class_name);
    context.strokeStyle = box;
    context.lineWidth = 2;
    context.strokeRect(detection.x_min * scale + 1, detection.y_min * scale + 1, Math.max(0, (detection.x_max - detection.x_min) * scale - 2), Math.max(0, (detection.y_max - detection.y_min) * scale - 2));
  }
  // Labels after all boxes, so no box line crosses a label: a filled tab of the class colour with contrasting text.
  for (const detection of ordered) {
    const { box, text } = colourOf(result.model, detection.class_name);
    const label = `${detection.class_name} ${detection.confidence.toFixed(2)}`;
    const width = context.measureText(label).width + 8;
    const height = fontSize + 6;
    const x = Math.max(0, Math.min(detection.x_min * scale, cssWidth - width));
    const top = detection.y_min * scale;
    const y = top - height >= 0 ? top - height : top;
    context.fillStyle = box;
    context.fillRect(x, y, width, height);
    context.fillStyle = text;
    context.fillText(label, x + 4, y + 3);
  }
}

function fillDetectionTable(card, model, detections) {
  card.querySelector('.detections summary').textContent = `Detections (${detections.length})`;
  const rows = detections.map((detection) => {
    const row = document.createElement('tr');
    const name = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = colourOf(model, detection.class_name).box;
    name.append(swatch, detection.class_name);
    row.append(name, cell(detection.confidence.toFixed(3)), boxCell(detection));
    return row;
  });
  card.querySelector('.detections tbody').replaceChildren(...rows);
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** The box as its two corners, which wrap onto two lines where the card is narrow rather than leave the table. */
function boxCell(detection) {
  const td = document.createElement('td');
  td.className = 'box';
  for (const corner of [`${detection.x_min}, ${detection.y_min},`, `${detection.x_max}, ${detection.y_max}`]) {
    const span = document.createElement('span');
    span.textContent = corner;
    td.append(span, ' ');
  }
  return td;
}

function labelledCell(text, heading) {
  const td = cell(text);
  td.dataset.label = heading;
  return td;
}

/**
 * The service pairs boxes in order of their less confident box, so the pairs whose two boxes pass the slider are
 * exactly the matching of the filtered outputs: the figures are recomputed here from its pairs, without asking again.
 */
function fillAgreement(answer) {
  const byModel = Object.fromEntries(answer.results.map((result) => [result.model, result.detections]));
  $('agreement-rule').textContent =
    `Two boxes are the same object when their class is equal and they overlap with IoU ≥ ${answer.agreement.iou_threshold}; ` +
    `boxes below the confidence slider are left out.`;
  const headings = [...document.querySelectorAll('#agreement thead th')].map((th) => th.textContent);
  const rows = answer.agreement.pairs.map((pair) => {
    const a = byModel[pair.model_a];
    const b = byModel[pair.model_b];
    const boxesA = a.filter(isShown).length;
    const boxesB = b.filter(isShown).length;
    const matches = pair.matches.filter((match) => isShown(a[match.a]) && isShown(b[match.b]));
    const ratio = (numerator, denominator) => (denominator > 0 ? numerator / denominator : null);
    const values = [
      `${pair.model_a} ↔ ${pair.model_b}`,
      `${matches.length} (${boxesA} / ${boxesB} boxes)`,
      formatRatio(ratio(matches.length, boxesA)),
      formatRatio(ratio(matches.length, boxesB)),
      formatRatio(ratio(2 * matches.length, boxesA + boxesB)),
      formatRatio(ratio(matches.reduce((sum, match) => sum + match.iou, 0), matches.length)),
    ];
    const row = document.createElement('tr');
    // Each cell carries its column's name: on a phone the rows stack and show it beside the value.
    row.append(...values.map((value, i) => labelledCell(value, headings[i])));
    return row;
  });
  $('agreement-rows').replaceChildren(...rows);
}

/** Asks the service to draw the boxes (jimp, class colours) at the current sliders and saves the PNG. */
function downloadAnnotated(model, button) {
  const body = sliderRequest(model);
  body.append('format', 'png');
  return download('/predict/annotated', body, `${model}.png`, button, 'The annotated image could not be made');
}

/** Saves /predict's answer at the current sliders with sub-pixel boxes (`float_boxes`), e.g. to measure against labels. */
function downloadBoxes(model, button) {
  const body = sliderRequest(model);
  body.append('float_boxes', 'true');
  return download('/predict', body, `${model}.json`, button, 'The detections could not be fetched');
}

function sliderRequest(model) {
  const body = new FormData();
  body.append('image', state.file);
  body.append('model', model);
  body.append('confidence_threshold', confidenceInput.value);
  body.append('iou_threshold', iouInput.value);
  return body;
}

/** POSTs the form and saves the answer as `<photo name>-<suffix>`. */
async function download(path, body, suffix, button, failureTitle) {
  button.disabled = true;
  try {
    const response = await apiFetch(path, { method: 'POST', body });
    if (!response.ok) throw await responseError(response);
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = `${state.file.name.replace(/\.[^.]+$/, '')}-${suffix}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    showError({ title: error.title ?? failureTitle, detail: error.message });
  } finally {
    button.disabled = false;
  }
}

// Redraw at the new size when the layout changes (rotation, window resize).
let resizeFrame = 0;
new ResizeObserver(() => {
  cancelAnimationFrame(resizeFrame);
  resizeFrame = requestAnimationFrame(draw);
}).observe(resultsBox);

loadColours();
loadModels();
