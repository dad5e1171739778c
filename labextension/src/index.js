// Holding in Mind: the course's charts (application/vnd.plotly.v1+json) on its Voila pages,
// drawn with plotly.js's basic bundle (scatter, bar and pie traces: all the course's pages
// draw) instead of the full one that jupyterlab-plotly ships (about 4.8 MB of JavaScript,
// loaded before a page can talk to its kernel). Listed in casework.serve.PAGE_EXTENSIONS and
// installed on Voila's own extension path (share/jupyter/voila/labextensions), so JupyterLab
// never sees it and keeps jupyterlab-plotly for everything else (the Sankey of the cohort
// report is a separate HTML file with its own plotly.js).
//
// - plotly.js is loaded only when the first chart is drawn, never before the page's buttons;
// - a chart is replaced in place: the player replaces its Output's contents at every choice,
//   so the output area disposes the old renderer and makes a new one in the same turn; the
//   new one takes over the old one's plot and updates it with Plotly.react (what plotly does
//   when the same chart changes) instead of building a new plot from nothing;
// - a plot nobody took over is purged (its window resize listener removed), so a long case
//   does not pile up detached charts.
import { Widget } from '@lumino/widgets';

export const MIME_TYPE = 'application/vnd.plotly.v1+json';
const CSS_CLASS = 'jp-RenderedPlotly';

let plotly = null;
function loadPlotly() {
  if (plotly === null) {
    plotly = import(/* webpackChunkName: "plotly-basic" */ 'plotly.js-basic-dist-min').then(
      module => module.default || module
    );
  }
  return plotly;
}

// Plots whose renderer was disposed in this turn, oldest first, for the next renderers.
const spare = [];
let sweeping = false;
function keep(graph) {
  spare.push(graph);
  if (!sweeping) {
    sweeping = true;
    // Whatever is not taken over by the time the page is next drawn is gone for good.
    requestAnimationFrame(() => {
      sweeping = false;
      const left = spare.splice(0);
      if (left.length) {
        loadPlotly().then(Plotly => left.forEach(graph => Plotly.purge(graph)));
      }
    });
  }
}

export class RenderedPlotly extends Widget {
  constructor(options) {
    super();
    this.addClass(CSS_CLASS);
    this._mimeType = options.mimeType;
    this._graph = null;
  }

  renderModel(model) {
    const { data, layout, config, frames } = model.data[this._mimeType];
    const drawn = { ...layout };
    if (!drawn.height) {
      drawn.height = 360; // as jupyterlab-plotly draws a chart without a height
    }
    if (this._graph === null) {
      this._graph = spare.shift() || document.createElement('div');
      this.node.appendChild(this._graph);
    }
    const graph = this._graph;
    return loadPlotly()
      .then(Plotly =>
        Plotly.react(graph, data, drawn, config).then(() =>
          frames ? Plotly.addFrames(graph, frames) : undefined
        )
      )
      .then(() => undefined);
  }

  dispose() {
    if (this.isDisposed) {
      return;
    }
    const graph = this._graph;
    this._graph = null;
    if (graph !== null) {
      graph.remove();
      keep(graph);
    }
    super.dispose();
  }

  onAfterShow() {
    this._resize();
  }

  onResize() {
    this._resize();
  }

  _resize() {
    const graph = this._graph;
    if (graph !== null && this.isVisible && graph.querySelector('.plot-container')) {
      loadPlotly().then(Plotly => Plotly.Plots.resize(graph));
    }
  }
}

export const rendererFactory = {
  safe: true,
  mimeTypes: [MIME_TYPE],
  createRenderer: options => new RenderedPlotly(options)
};

export default [
  {
    id: 'holding-in-mind-plotly:factory',
    rendererFactory,
    rank: 2,
    dataType: 'json'
  }
];
