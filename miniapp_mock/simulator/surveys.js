/*
 * 邻里 H5 simulator: 满意度测评 — the surveys of my estate, answering for my household (and
 * changing my answer until the close), my household's answers, and the published results.
 *
 * Loaded before app.js; app.js hands each entry of window.LINLI_PAGES its kit (h, api, go…).
 * Data from the server is always put in as text.
 */
(() => {
  "use strict";

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, go, setTitle, toast, fail, skeletons, errorState, resultView, fmtTime } = kit;

    function loadInto(root, path, view) {
      const load = () => {
        root.replaceChildren(...skeletons(2));
        api(path)
          .then((data) => root.replaceChildren(view(data, load)))
          .catch((err) => {
            if (err.handled) return;
            root.replaceChildren(errorState(err, load));
            fail(err);
          });
      };
      load();
    }

    const stateTag = (s) =>
      h("span", { class: `tag ${s.state === "open" ? "tag-owner" : "tag-ended"}`, testid: "survey-state", dataset: { state: s.state } }, s.state_label);

    function surveyCells(surveys, emptyTitle, emptyDesc) {
      if (!surveys.length) {
        return h("div", { class: "empty", testid: "surveys-empty" }, h("div", { class: "empty-title" }, emptyTitle), h("div", { class: "empty-desc" }, emptyDesc));
      }
      return h(
        "div",
        { class: "cells", testid: "survey-list" },
        surveys.map((s) =>
          h(
            "button",
            { type: "button", class: "cell tappable", testid: "survey-cell", dataset: { surveyId: s.id, state: s.state }, onClick: () => go(`#/surveys/${s.id}`) },
            h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, s.title), h("span", { class: "cell-desc" }, `${s.runner_label} · ${fmtTime(s.opens_at)} 至 ${fmtTime(s.closes_at)}`)),
            h("span", { class: "cell-value" }, stateTag(s), h("span", { class: "cell-desc" }, s.answered ? "本户已作答" : s.can_answer ? "待填写" : "")),
          ),
        ),
      );
    }

    function surveysPage(root) {
      setTitle("满意度测评");
      loadInto(root, "/me/surveys", (surveys) =>
        h(
          "div",
          null,
          h("div", { class: "actions" }, h("button", { type: "button", class: "btn", testid: "go-my-answers", onClick: () => go("#/surveys/mine") }, "本户已作答")),
          surveyCells(surveys, "暂无问卷", "街道、业委会或物业发起问卷后会在这里显示。"),
        ),
      );
    }

    function myAnswersPage(root) {
      setTitle("本户已作答");
      loadInto(root, "/me/survey-answers", (surveys) => surveyCells(surveys, "本户还没有作答", "每户一份，作答后可在截止前修改。"));
    }

    /** The input of one question; ``value`` is the household's current answer (if mine). */
    function questionField(q, value) {
      const name = `q${q.number}`;
      const legend = h("div", { class: "cell-title" }, `${q.number}. ${q.category ? `【${q.category}】` : ""}${q.text}`);
      let inputs;
      if (q.kind === "text") {
        inputs = [h("textarea", { class: "textarea", name, maxlength: 500, rows: 3, testid: `answer-${q.number}`, placeholder: "选填" }, value || "")];
      } else {
        const choices =
          q.kind === "scale5" ? [1, 2, 3, 4, 5].map((v) => [v, String(v)])
          : q.kind === "scale10" ? [...Array(11).keys()].map((v) => [v, String(v)])
          : q.options.map((o, i) => [i, o]);
        const multiple = q.kind === "multiple";
        inputs = choices.map(([v, label]) => {
          const checked = multiple ? Array.isArray(value) && value.includes(v) : value === v;
          return h(
            "label",
            { class: "survey-choice" },
            h("input", { type: multiple ? "checkbox" : "radio", name, value: v, checked, testid: `answer-${q.number}-${v}` }),
            h("span", null, label),
          );
        });
      }
      return h("fieldset", { class: "cell survey-question", testid: `question-${q.number}`, dataset: { kind: q.kind } }, legend, h("div", { class: "survey-choices" }, inputs));
    }

    function readAnswers(form, questions) {
      const answers = {};
      for (const q of questions) {
        const name = `q${q.number}`;
        if (q.kind === "text") {
          const text = form.querySelector(`[name="${name}"]`).value.trim();
          if (text) answers[q.number] = text;
        } else if (q.kind === "multiple") {
          const chosen = [...form.querySelectorAll(`[name="${name}"]:checked`)].map((i) => Number(i.value));
          if (chosen.length) answers[q.number] = chosen;
        } else {
          const one = form.querySelector(`[name="${name}"]:checked`);
          if (one) answers[q.number] = Number(one.value);
        }
      }
      return answers;
    }

    function surveyPage(root, { params }) {
      setTitle("问卷");
      const id = params[0];
      loadInto(root, `/me/surveys/${id}`, (s, reload) => {
        const mine = s.my_answer && s.my_answer.mine ? s.my_answer.answers : {};
        const head = h(
          "div",
          { class: "unit-card" },
          h("strong", { testid: "survey-title" }, s.title),
          h("div", { class: "unit-estate" }, `${s.runner_label} · 截止 ${fmtTime(s.closes_at)} · 每户一份，匿名`),
          s.description ? h("p", { class: "small" }, s.description) : null,
        );
        const parts = [head];
        if (s.my_answer && !s.my_answer.mine) {
          parts.push(h("div", { class: "vote-note", testid: "household-answered" }, s.my_answer.channel === "paper" ? "本户已提交纸质问卷（每户一份）。" : "本户已由其他家庭成员作答（每户一份），只有作答人可以修改。"));
        } else if (s.my_answer) {
          parts.push(h("div", { class: "vote-note", testid: "answered-by-me" }, `您已于 ${fmtTime(s.my_answer.updated_at)} 作答${s.can_answer ? "，截止前可修改" : ""}。`));
        }
        if (s.state === "closed") {
          parts.push(h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-primary", testid: "go-results", onClick: () => go(`#/surveys/${id}/results`) }, "查看结果")));
        }
        if (s.can_answer) {
          const form = h("form", { class: "cells", testid: "survey-form" }, s.questions.map((q) => questionField(q, mine[q.number])));
          const submit = h("button", { type: "button", class: "btn btn-primary", testid: "submit-answer" }, s.my_answer ? "修改并提交" : "提交");
          submit.addEventListener("click", async () => {
            const answers = readAnswers(form, s.questions);
            if (!Object.keys(answers).length) {
              toast("请至少回答一个问题");
              return;
            }
            submit.disabled = true;
            try {
              await api(`/me/surveys/${id}/answer`, { method: "PUT", body: { answers } });
              toast("已提交，感谢您的参与", "success");
              await window.linli.askSubscribe("survey");
              reload();
            } catch (err) {
              submit.disabled = false;
              fail(err);
              if (err.status === 409) reload();
            }
          });
          parts.push(form, h("div", { class: "actions" }, submit));
        } else if (s.state === "open" && !s.my_answer) {
          parts.push(h("div", { class: "vote-note", testid: "why-not" }, s.respondents === "owners" ? "本问卷仅限业主本人作答。" : "现在不在答题时间内。"));
        }
        return h("div", { testid: "survey-page" }, parts);
      });
    }

    function resultsPage(root, { params }) {
      setTitle("测评结果");
      const id = params[0];
      loadInto(root, `/me/surveys/${id}/results`, (r) =>
        h(
          "div",
          { testid: "survey-results" },
          h("div", { class: "unit-card" }, h("strong", null, r.title)),
          r.estates.map((e) =>
            h(
              "div",
              { class: "cells", testid: "estate-result", dataset: { shown: String(e.shown) } },
              h("div", { class: "cell survey-estate" }, h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, e.estate), h("span", { class: "cell-desc" }, `${e.answered} / ${e.households} 户作答，参与率 ${e.response_rate ? (Number(e.response_rate) * 100).toFixed(1) : "—"}%`)), h("span", { class: "cell-value", testid: "estate-score" }, e.shown && e.score ? `${e.score} 分` : "")),
              e.shown
                ? e.questions
                    .filter((q) => q.mean !== null)
                    .map((q) => h("div", { class: "cell small" }, h("span", { class: "cell-body" }, `${q.category || q.number}：${q.text}`), h("span", { class: "cell-value" }, `${q.mean} 分（n=${q.n}）`)))
                : h("div", { class: "cell small", testid: "below-minimum" }, `作答不足 ${r.min_answers} 户，本小区结果不公布。`),
            ),
          ),
          h("p", { class: "hint", testid: "survey-method" }, r.method),
        ),
      );
    }

    kit.routes.push(
      { pattern: /^\/surveys$/, page: surveysPage },
      { pattern: /^\/surveys\/mine$/, page: myAnswersPage },
      { pattern: /^\/surveys\/(\d+)$/, page: surveyPage },
      { pattern: /^\/surveys\/(\d+)\/results$/, page: resultsPage },
    );
    kit.PAGES["pages/surveys/detail"] = "#/surveys/{id}";
  });
})();
