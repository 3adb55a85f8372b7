/* The rich-text editor of course text pages: Tiptap/ProseMirror as shipped by the
 * django-prose-editor package (its static files, served by us; no CDN).
 *
 * The package's own presets need an inline <script type="importmap"> and let Tiptap inject an
 * inline <style>; our Content-Security-Policy allows neither. So this module imports the
 * bundle by its relative static path and creates the editor with injectCSS: false (the core
 * styles are in static/css/courses.css).
 *
 * A textarea with data-course-editor becomes the editor; the textarea keeps the HTML and is
 * what the form posts (the server sanitises it with nh3). With data-image-upload-url, the
 * "Add an image" controls upload a picture to the course and insert it where the cursor is.
 *
 * The package writes its buttons' titles, screen-reader names, menus and link dialog in
 * English; the page's <script id="editor-labels"> (core/templatetags/alueagentti.py) gives
 * them in the page language, applied to the menu bar and to each dialog as it opens.
 */
import {
  Blockquote,
  Bold,
  BulletList,
  Document,
  Dropcursor,
  Editor,
  Gapcursor,
  HardBreak,
  Heading,
  History,
  HorizontalRule,
  Image,
  Italic,
  Link,
  ListItem,
  Menu,
  OrderedList,
  Paragraph,
  Text,
} from "../django_prose_editor/editor.js";

const LABELS = (() => {
  const script = document.getElementById("editor-labels");
  try {
    return script ? JSON.parse(script.textContent) : {};
  } catch (error) {
    return {};
  }
})();

function translateLabels(root) {
  for (const element of root.querySelectorAll("[title], [aria-label], [placeholder]")) {
    for (const name of ["title", "aria-label", "placeholder"]) {
      const value = element.getAttribute(name);
      if (value && LABELS[value]) element.setAttribute(name, LABELS[value]);
    }
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const parent = node.parentElement;
    // An icon button's text is the icon's name in its font ("undo"), not a word to translate.
    if (
      text &&
      LABELS[text] &&
      !parent.closest(".material-icons") &&
      !parent.closest("[contenteditable='true']")
    ) {
      node.nodeValue = node.nodeValue.replace(text, LABELS[text]);
    }
  }
}

// Menus and dialogs appear and change as the editor is used: each addition is translated.
if (Object.keys(LABELS).length) {
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE && !node.closest("[contenteditable='true']")) {
          translateLabels(node);
        }
      }
    }
  }).observe(document.body, { childList: true, subtree: true });
}

function csrfToken(form) {
  const field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

function isEmpty(html) {
  return /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html);
}

function createEditor(textarea) {
  if (textarea.closest(".prose-editor")) return null;
  const wrapper = document.createElement("div");
  wrapper.className = "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const label = textarea.id ? document.querySelector(`label[for="${textarea.id}"]`) : null;
  const editor = new Editor({
    element: wrapper,
    injectCSS: false,
    content: textarea.value,
    extensions: [
      Document,
      Paragraph,
      Text,
      HardBreak,
      History,
      Dropcursor,
      Gapcursor,
      Menu,
      Bold,
      Italic,
      Heading.configure({ levels: [2, 3, 4] }),
      BulletList,
      OrderedList,
      ListItem,
      Blockquote,
      HorizontalRule,
      Link.configure({ enableTarget: false }),
      Image,
    ],
    editorProps: {
      attributes: {
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": label ? label.textContent.trim() : "",
        "data-testid": "rich-text-editor",
      },
    },
    onUpdate({ editor: current }) {
      const html = current.getHTML();
      textarea.value = isEmpty(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
  });
  if (label) {
    label.addEventListener("click", () => editor.commands.focus());
  }
  wireImageUpload(textarea, editor);
  return editor;
}

function wireImageUpload(textarea, editor) {
  const url = textarea.getAttribute("data-image-upload-url");
  const controls = document.getElementById(`${textarea.id}-images`);
  if (!url || !controls) return;
  // Shown (and placed right under the editor) only when the editor runs.
  textarea.closest(".prose-editor").after(controls);
  controls.hidden = false;
  const fileInput = controls.querySelector("input[type=file]");
  const altInput = controls.querySelector("input[type=text]");
  const status = controls.querySelector("[data-upload-status]");
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return;
    status.textContent = status.getAttribute("data-uploading");
    status.className = "small text-body-secondary";
    const body = new FormData();
    body.append("image", file);
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(textarea.form) },
      });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        throw new Error(data.error || status.getAttribute("data-failed"));
      }
      editor
        .chain()
        .focus()
        .setImage({ src: data.url, alt: altInput.value.trim() })
        .run();
      altInput.value = "";
      status.textContent = status.getAttribute("data-done");
      status.className = "small text-success";
    } catch (error) {
      status.textContent = error.message || status.getAttribute("data-failed");
      status.className = "small text-danger";
    } finally {
      fileInput.value = "";
    }
  });
}

document.querySelectorAll("textarea[data-course-editor]").forEach(createEditor);
