// The output pane: a read-only CodeMirror view, so that a 650 KB manifest is
// not laid out as one huge <pre> (only the visible lines are in the DOM), and
// an update replaces only the changed range (the scroll position stays).
import { EditorView, lineNumbers, highlightSpecialChars, drawSelection, keymap } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { syntaxHighlighting, defaultHighlightStyle } from "@codemirror/language";
import { searchKeymap, highlightSelectionMatches } from "@codemirror/search";
import { defaultKeymap } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";

export class OutputView {
  constructor(parent) {
    this.text = "";
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(),
          highlightSpecialChars(),
          drawSelection(),
          highlightSelectionMatches(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          yaml(), // JSON is YAML too
          EditorState.readOnly.of(true),
          keymap.of([...defaultKeymap, ...searchKeymap]),
          EditorView.contentAttributes.of({ "aria-label": "Output", "aria-readonly": "true" }),
        ],
      }),
    });
  }

  /** Show `text`; `fresh`: another file (scroll to the top), else an update of the same one. */
  set(text, fresh) {
    if (text === this.text && !fresh) return false;
    const old = this.text;
    this.text = text;
    if (fresh) {
      this.view.dispatch({ changes: { from: 0, to: old.length, insert: text }, selection: { anchor: 0 } });
      this.view.scrollDOM.scrollTop = 0;
      this.view.scrollDOM.scrollLeft = 0;
      return true;
    }
    let a = 0;
    const n = Math.min(old.length, text.length);
    while (a < n && old.charCodeAt(a) === text.charCodeAt(a)) a++;
    let b = 0;
    while (b < n - a && old.charCodeAt(old.length - 1 - b) === text.charCodeAt(text.length - 1 - b)) b++;
    this.view.dispatch({ changes: { from: a, to: old.length - b, insert: text.slice(a, text.length - b) } });
    return true;
  }
}
