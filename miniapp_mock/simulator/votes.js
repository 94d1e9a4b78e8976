/*
 * 邻里 H5 simulator: 业主表决 — the motions of my estate, a motion with its documents and
 * notice period, the ballot (同意/反对/弃权, or up to N candidates), my receipt, checking the
 * receipt against the published ballot list, and the published result with every figure.
 *
 * Loaded before app.js; app.js hands each entry of window.LINLI_PAGES its kit (h, api, go…).
 * Data from the server is always put in as text. Figures are shown as the server publishes
 * them: areas as decimal strings, ratios as exact fractions (a percentage only beside them).
 */
(() => {
  "use strict";

  const CHOICES = [
    ["agree", "同意"],
    ["oppose", "反对"],
    ["abstain", "弃权"],
  ];
  const FAILED = {
    participation_area: "参与表决的专有部分面积不足三分之二",
    participation_heads: "参与表决的人数不足三分之二",
    agree_area: "同意的专有部分面积未达到法定比例",
    agree_heads: "同意的人数未达到法定比例",
  };
  const THRESHOLD = {
    majority: "同意须超过参与表决面积与人数的二分之一",
    three_quarters: "同意须达到参与表决面积与人数的四分之三以上",
  };
  const ROLE_WHY = {
    family: "您是该房屋的家属",
    tenant: "您是该房屋的租户",
  };
  const CN_ITEMS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

  /** A published choice as people read it: 同意 / 反对 / 弃权, or an election's "elect:1,3". */
  function choiceText(choice) {
    const label = Object.fromEntries(CHOICES)[choice];
    if (label) return label;
    const numbers = String(choice || "").replace(/^elect:/, "").split(",").filter(Boolean);
    return numbers.length ? `选 ${numbers.map((n) => `${n} 号`).join("、")}` : "未选任何候选人";
  }

  /** "2/3" → "66.67%" (a ratio is published as an exact fraction; this is only a reading aid). */
  function percent(ratio) {
    if (!ratio) return "—";
    const [a, b = 1] = String(ratio).split("/").map(Number);
    if (!b) return "—";
    return `${Number(((a * 100) / b).toFixed(2))}%`;
  }

  /** "2/3" → "2/3"; a whole number without its denominator: "0/1" → "0", "1/1" → "1". */
  function fractionText(ratio) {
    const [a, b = 1] = String(ratio).split("/").map(Number);
    return b && a % b === 0 ? String(a / b) : String(ratio);
  }

  (window.LINLI_PAGES = window.LINLI_PAGES || []).push((kit) => {
    const { h, api, go, setTitle, toast, fail, skeletons, errorState, resultView, fmtTime } = kit;

    const stateTag = (m) => {
      const kind = { announced: "tag-pending", open: "tag-owner", closed: "tag-ended", published: "tag-owner" }[m.state] || "tag-ended";
      return h("span", { class: `tag ${kind}`, testid: "motion-state", dataset: { state: m.state } }, m.state_label);
    };
    const row = (label, value, testid) => h("div", { class: "message-row" }, h("dt", null, label), h("dd", { testid }, value));
    const itemText = (m) => `《民法典》第二百七十八条第（${CN_ITEMS[m.item] || m.item}）项：${m.item_label}`;

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

    // --- 表决事项列表 --------------------------------------------------------------------------

    function motionsPage(root) {
      setTitle("业主表决");
      loadInto(root, "/me/motions", (motions) => {
        if (!motions.length) {
          return h(
            "div",
            { class: "empty", testid: "motions-empty" },
            h("div", { class: "empty-title" }, "暂无表决事项"),
            h("div", { class: "empty-desc" }, "业主委员会发布表决公告后会在这里显示。"),
          );
        }
        return h(
          "div",
          { class: "cells", testid: "motion-list" },
          motions.map((m) =>
            h(
              "button",
              { type: "button", class: "cell tappable", testid: "motion-cell", dataset: { motionId: m.id, state: m.state }, onClick: () => go(`#/votes/${m.id}`) },
              h(
                "span",
                { class: "cell-body" },
                h("span", { class: "cell-title" }, m.title),
                h("span", { class: "cell-desc" }, `${m.estate} · ${m.kind_label} · ${fmtTime(m.opens_at)} 至 ${fmtTime(m.closes_at)}`),
              ),
              h(
                "span",
                { class: "cell-value" },
                stateTag(m),
                h("span", { class: "cell-desc" }, m.voted ? "已投票" : m.can_vote ? "可投票" : ""),
              ),
            ),
          ),
        );
      });
    }

    // --- 表决事项详情 --------------------------------------------------------------------------

    function motionPage(root, { params }) {
      setTitle("表决事项");
      const id = params[0];
      const load = () => {
        root.replaceChildren(...skeletons(2));
        Promise.all([api(`/me/motions/${id}`), api("/me/residencies")])
          .then(([m, residencies]) => root.replaceChildren(motionView(m, residencies)))
          .catch((err) => {
            if (err.handled) return;
            root.replaceChildren(errorState(err, load));
            fail(err);
          });
      };
      load();
    }

    /** Why this resident cannot vote on ``m`` now (null when they can, or have). */
    function whyNot(m, residencies) {
      if (m.can_vote || m.my_ballot) return null;
      if (m.state === "announced") return `公告期至 ${fmtTime(m.notice_ends_at)}，投票于 ${fmtTime(m.opens_at)} 开始。`;
      if (m.state === "closed" || m.state === "published") return "投票已截止。";
      const here = residencies.filter((r) => r.is_current && r.unit && r.unit.estate_id === m.estate_id);
      const roles = here.map((r) => r.role);
      if (!roles.includes("owner")) {
        const who = roles.map((r) => ROLE_WHY[r]).filter(Boolean)[0] || "您不是本小区登记在册的业主";
        return `${who}：业主共同决定事项由业主表决（《民法典》第二百七十八条），家属、租户不能投票。`;
      }
      return "您不在本次表决的表决人名册中（名册于公告时按业主名册确定）。如有疑问请联系业主委员会。";
    }

    function motionView(m, residencies) {
      const facts = h(
        "dl",
        { class: "message-rows vote-rows", testid: "motion-facts" },
        row("事项类别", itemText(m), "motion-item"),
        row("通过标准", `${THRESHOLD[m.threshold_class] || ""}；且参与表决的面积与人数各须三分之二以上`),
        row("类型", `${m.kind_label}${m.seats ? `（应选 ${m.seats} 名）` : ""}${m.extraordinary ? " · 临时会议" : ""}`),
        m.announced_at ? row("公告时间", fmtTime(m.announced_at), "motion-announced") : null,
        m.notice_ends_at ? row("公告期满", fmtTime(m.notice_ends_at), "motion-notice-ends") : null,
        row("投票时间", `${fmtTime(m.opens_at)} 至 ${fmtTime(m.closes_at)}`, "motion-window"),
        m.total_heads ? row("表决人", `${m.total_heads} 人，总面积 ${m.total_area} m²`, "motion-electorate") : null,
      );
      const docs = m.documents.length
        ? h(
            "div",
            { class: "photo-strip", testid: "motion-documents" },
            m.documents.map((p, i) => h("a", { href: p.url, target: "_blank", rel: "noopener", class: "photo-thumb" }, h("img", { src: p.thumbnail_url, alt: `附件 ${i + 1}` }))),
          )
        : null;
      const candidates = m.candidates.length
        ? h(
            "div",
            { class: "cells", testid: "motion-candidates" },
            m.candidates.map((c) => h("div", { class: "cell" }, h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, `${c.number}. ${c.name}`), c.introduction ? h("span", { class: "cell-desc" }, c.introduction) : null))),
          )
        : null;

      const actions = h("div", { class: "actions", testid: "motion-actions" });
      const why = whyNot(m, residencies);
      if (m.my_ballot) {
        const b = m.my_ballot;
        actions.append(
          h(
            "div",
            { class: "vote-note", testid: "already-voted" },
            b.mine ? "您已投票。" : `本户已投票（${b.channel_label}${b.channel === "online" ? "，由共有人投出" : ""}）：共有人共用一票，先投出的有效。`,
          ),
          h("button", { type: "button", class: "btn", testid: "show-receipt", onClick: () => go(`#/votes/${m.id}/receipt`) }, "查看回执"),
        );
      } else if (m.can_vote) {
        actions.append(h("button", { type: "button", class: "btn btn-primary", testid: "go-ballot", onClick: () => go(`#/votes/${m.id}/ballot`) }, "去投票"));
      } else if (why) {
        actions.append(h("div", { class: "vote-note", testid: "why-not" }, why));
      }
      if (m.result) {
        actions.append(
          h("button", { type: "button", class: "btn btn-primary", testid: "go-result", onClick: () => go(`#/votes/${m.id}/result`) }, "查看表决结果"),
          h("button", { type: "button", class: "btn", testid: "go-check", onClick: () => go(`#/votes/${m.id}/check`) }, "核对回执"),
        );
      }
      return h(
        "div",
        { testid: "motion-detail", dataset: { state: m.state, motionId: m.id } },
        h(
          "div",
          { class: "unit-card" },
          h("div", { class: "unit-card-head" }, h("strong", { testid: "motion-title" }, m.title), stateTag(m)),
          h("div", { class: "unit-estate" }, m.estate),
          m.body ? h("p", { class: "vote-body", testid: "motion-body" }, m.body) : null,
          docs,
        ),
        facts,
        candidates ? h("div", { class: "section-title" }, h("span", null, "候选人")) : null,
        candidates,
        actions,
      );
    }

    // --- 投票 ----------------------------------------------------------------------------------

    function ballotPage(root, { params }) {
      setTitle("投票");
      const id = params[0];
      loadInto(root, `/me/motions/${id}`, (m) => {
        if (!m.can_vote) {
          return resultView({
            iconName: "warn",
            title: m.my_ballot ? "本户已投票" : "现在不能投票",
            lines: [m.my_ballot ? `回执码 ${m.my_ballot.receipt}` : `投票时间：${fmtTime(m.opens_at)} 至 ${fmtTime(m.closes_at)}`],
            buttons: [{ label: "返回", onClick: () => go(`#/votes/${id}`) }],
            testid: "ballot-closed",
          });
        }
        const election = m.kind === "election";
        let choice = null;
        const chosen = new Set();
        const submit = h("button", { type: "button", class: "btn btn-primary", testid: "cast-ballot", disabled: !election }, "确认投票");
        const counter = h("span", { class: "small muted", testid: "chosen-count" }, election ? `已选 0 / ${m.seats}` : "");
        let options;
        if (election) {
          options = m.candidates.map((c) => {
            const box = h("input", { type: "checkbox", value: c.number, testid: `candidate-${c.number}` });
            box.addEventListener("change", () => {
              if (box.checked && chosen.size >= m.seats) {
                box.checked = false;
                toast(`最多选择 ${m.seats} 名`);
                return;
              }
              if (box.checked) chosen.add(c.number);
              else chosen.delete(c.number);
              counter.textContent = `已选 ${chosen.size} / ${m.seats}`;
            });
            return h("label", { class: "cell vote-option" }, box, h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, `${c.number}. ${c.name}`)));
          });
        } else {
          options = CHOICES.map(([value, label]) => {
            const radio = h("input", { type: "radio", name: "choice", value, testid: `choice-${value}` });
            radio.addEventListener("change", () => {
              choice = value;
              submit.disabled = false;
            });
            return h("label", { class: "cell vote-option" }, radio, h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, label)));
          });
        }
        submit.addEventListener("click", async () => {
          submit.disabled = true;
          const body = election ? { candidates: [...chosen].sort((a, b) => a - b) } : { choice };
          try {
            await api(`/me/motions/${id}/ballot`, { method: "POST", body });
            toast("投票成功", "success");
            // the tap that cast the ballot asks for consent to the result message
            await window.linli.askSubscribe("motion");
            go(`#/votes/${id}/receipt`);
          } catch (err) {
            submit.disabled = false;
            fail(err);
            if (err.status === 409 || err.status === 403) go(`#/votes/${id}`);
          }
        });
        return h(
          "div",
          { testid: "ballot-form" },
          h("div", { class: "unit-card" }, h("strong", null, m.title), h("div", { class: "unit-estate" }, itemText(m))),
          h(
            "div",
            { class: "section-title" },
            h("span", null, election ? `请选择候选人（最多 ${m.seats} 名，不选即为弃权）` : "请选择您的表决意见"),
            counter,
          ),
          h("div", { class: "cells", testid: "ballot-options" }, options),
          h("p", { class: "hint" }, "每位表决人只有一票，提交后不能修改；共有人共用一票。投票后您会得到回执码，结果公布后可核对您的选票是否被计入。"),
          h("div", { class: "actions" }, submit),
        );
      });
    }

    // --- 回执 ----------------------------------------------------------------------------------

    function receiptPage(root, { params }) {
      setTitle("投票回执");
      const id = params[0];
      loadInto(root, `/me/motions/${id}/ballot`, (b) =>
        h(
          "div",
          { class: "receipt-card", testid: "vote-receipt" },
          h("div", { class: "receipt-title" }, "投票回执"),
          h("div", { class: "receipt-amount vote-receipt-code", testid: "receipt-code" }, b.receipt),
          h(
            "dl",
            { class: "message-rows vote-wide" },
            row("选择", b.candidates ? `${b.choice_label}：${b.candidates.length ? b.candidates.map((n) => `${n} 号`).join("、") : "未选任何候选人"}` : b.choice_label, "receipt-choice"),
            row("方式", b.channel_label, "receipt-channel"),
            row("计入面积", `${b.area} m²`),
            row("人数", String(b.heads)),
            row("时间", fmtTime(b.cast_at)),
            row("哈希链序号", String(b.position)),
            row("本票哈希", b.hash, "receipt-hash"),
          ),
          h("p", { class: "hint" }, b.mine ? "请保存回执码。结果公布后，可在「核对回执」中确认您的选票在公布的选票清单中。" : "本户的选票已由共有人或以纸质、委托方式投出，共有人共用一票。"),
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "btn", testid: "receipt-check", onClick: () => go(`#/votes/${id}/check?receipt=${encodeURIComponent(b.receipt)}`) }, "核对回执"),
            h("button", { type: "button", class: "btn", onClick: () => go(`#/votes/${id}`) }, "返回表决事项"),
          ),
        ),
      );
    }

    // --- 核对回执 ------------------------------------------------------------------------------

    function checkPage(root, { params, query }) {
      setTitle("核对回执");
      const id = params[0];
      const input = h("input", { type: "text", class: "code-input", testid: "check-receipt-input", placeholder: "输入回执码", maxlength: "20", autocomplete: "off" });
      const out = h("div", { class: "vote-check", testid: "check-result" });
      const check = async () => {
        const receipt = input.value.trim();
        if (receipt.length < 4) {
          toast("请输入回执码");
          return;
        }
        try {
          const r = await api(`/me/motions/${id}/receipt-check?receipt=${encodeURIComponent(receipt)}`);
          out.replaceChildren(
            r.found
              ? resultView({
                  iconName: "success",
                  title: "已计入公布的选票清单",
                  lines: [`回执码 ${r.receipt}，清单第 ${r.position} 张`, `选择 ${choiceText(r.choice)} · 面积 ${r.area} m² · ${r.heads} 人`, `本票哈希 ${r.hash}`, `链末端 ${r.chain_head}`],
                  testid: "check-found",
                  status: "found",
                })
              : resultView({
                  iconName: "warn",
                  title: "公布的选票清单中没有这个回执码",
                  lines: ["请核对回执码是否输入正确；如确有遗漏，请向业主委员会或街道办事处反映。"],
                  testid: "check-missing",
                  status: "missing",
                }),
          );
        } catch (err) {
          fail(err);
        }
      };
      input.value = query.get("receipt") || "";
      if (!input.value) {
        // my own receipt, when this household has voted (a 404 otherwise: type one in)
        api(`/me/motions/${id}/ballot`)
          .then((b) => {
            if (!input.value) input.value = b.receipt;
          })
          .catch(() => {});
      }
      root.append(
        h("div", { class: "cells" }, h("div", { class: "cell" }, input)),
        h("div", { class: "actions" }, h("button", { type: "button", class: "btn btn-primary", testid: "check-receipt", onClick: check }, "核对")),
        out,
        h("p", { class: "hint" }, "公布的选票清单只含回执码、选择、面积和人数，不含姓名与房号；每张选票的哈希都包含前一张的哈希，任何人都可下载清单重新计票。"),
      );
    }

    /** The published file (the token goes in a header, so no plain link): saved as a download. */
    async function download(id) {
      try {
        const blob = await api(`/me/motions/${id}/published.json`, { as: "blob" });
        const link = h("a", { href: URL.createObjectURL(blob), download: `motion-${id}-published.json` });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      } catch (err) {
        fail(err);
      }
    }

    // --- 公布的结果 ----------------------------------------------------------------------------

    function resultPage(root, { params }) {
      setTitle("表决结果");
      const id = params[0];
      loadInto(root, `/me/motions/${id}/result`, (r) => {
        const t = r.tally;
        const election = r.motion.kind === "election";
        const figure = (label, value, testid) => row(label, value, testid);
        const ratio = (value) => (value ? `${fractionText(value)}（${percent(value)}）` : "—");
        const headline = election
          ? h("div", { class: "result-title", testid: "result-headline" }, `当选 ${t.elected.length} 名 / 应选 ${t.seats} 名${t.unfilled_seats ? `，空缺 ${t.unfilled_seats} 席` : ""}`)
          : h("div", { class: `result-title ${t.result === "passed" ? "vote-passed" : "vote-failed"}`, testid: "result-headline", dataset: { result: t.result } }, t.result === "passed" ? "表决通过" : "未通过");
        const bar = (label, value, ratioText) =>
          h("div", { class: "vote-bar" }, h("div", { class: "small" }, `${label} ${value}`), h("progress", { max: "100", value: String(Math.min(100, parseFloat(percent(ratioText)) || 0)) }), h("div", { class: "small muted" }, `${fractionText(ratioText)}（${percent(ratioText)}），门槛三分之二`));
        return h(
          "div",
          { testid: "vote-result", dataset: { result: t.result || "election" } },
          h(
            "div",
            { class: "unit-card" },
            h("strong", null, r.motion.title),
            headline,
            t.failed_condition ? h("div", { class: "error-text", testid: "failed-condition" }, FAILED[t.failed_condition]) : null,
            h("div", { class: "small muted" }, `公布时间 ${fmtTime(r.published_at)} · ${THRESHOLD[t.threshold_class] || ""}`),
          ),
          h("div", { class: "section-title" }, h("span", null, "参与情况")),
          h("div", { class: "cells vote-bars" }, bar("参与面积", `${t.participating_area} / ${t.total_area} m²`, t.participation_area_ratio), bar("参与人数", `${t.participating_heads} / ${t.total_heads} 人`, t.participation_head_ratio)),
          h("div", { class: "section-title" }, h("span", null, "全部数据")),
          h(
            "dl",
            { class: "message-rows vote-rows", testid: "result-figures" },
            figure("总面积", `${t.total_area} m²`, "fig-total-area"),
            figure("总人数", String(t.total_heads), "fig-total-heads"),
            figure("参与面积", `${t.participating_area} m²`, "fig-participating-area"),
            figure("参与人数", String(t.participating_heads), "fig-participating-heads"),
            figure("参与面积比例", ratio(t.participation_area_ratio), "fig-participation-area-ratio"),
            figure("参与人数比例", ratio(t.participation_head_ratio), "fig-participation-head-ratio"),
            election ? null : figure("同意面积", `${t.agree_area} m²`, "fig-agree-area"),
            election ? null : figure("同意人数", String(t.agree_heads), "fig-agree-heads"),
            election ? null : figure("同意面积占参与", ratio(t.agree_area_ratio), "fig-agree-area-ratio"),
            election ? null : figure("同意人数占参与", ratio(t.agree_head_ratio), "fig-agree-head-ratio"),
            figure("有效选票", `${r.ballot_count} 张`, "fig-ballots"),
          ),
          election
            ? h(
                "div",
                { class: "cells", testid: "result-candidates" },
                t.candidates.map((c) =>
                  h(
                    "div",
                    { class: "cell", dataset: { elected: String(c.elected) } },
                    h("span", { class: "cell-body" }, h("span", { class: "cell-title" }, `${c.number}. ${c.name}`), h("span", { class: "cell-desc" }, `同意面积 ${c.agree_area} m²（${ratio(c.agree_area_ratio)}）· 同意人数 ${c.agree_heads}（${ratio(c.agree_head_ratio)}）`)),
                    h("span", { class: "cell-value" }, c.elected ? "当选" : c.tied ? "票数相同" : "未当选"),
                  ),
                ),
              )
            : null,
          r.corrections.length
            ? h(
                "div",
                { class: "cells", testid: "result-corrections" },
                h("div", { class: "cell small" }, "表决人名册更正记录"),
                r.corrections.map((c) => h("div", { class: "cell small" }, `${fmtTime(c.at)}：${c.area_before} → ${c.area_after} m²，${c.reason}`)),
              )
            : null,
          h("div", { class: "section-title" }, h("span", null, "复核")),
          h("dl", { class: "message-rows vote-rows" }, row("哈希链末端", r.chain_head, "result-chain-head")),
          h(
            "div",
            { class: "actions" },
            h("button", { type: "button", class: "btn btn-primary", testid: "go-check", onClick: () => go(`#/votes/${id}/check`) }, "核对我的回执"),
            h("button", { type: "button", class: "btn", testid: "download-published", onClick: () => download(id) }, "下载选票清单"),
          ),
          h("p", { class: "hint" }, "任何人可下载选票清单，自行重新计票并核对哈希链末端与上面公布的是否一致。"),
        );
      });
    }

    kit.routes.push(
      { pattern: /^\/votes$/, page: motionsPage },
      { pattern: /^\/votes\/(\d+)$/, page: motionPage },
      { pattern: /^\/votes\/(\d+)\/ballot$/, page: ballotPage },
      { pattern: /^\/votes\/(\d+)\/receipt$/, page: receiptPage },
      { pattern: /^\/votes\/(\d+)\/check$/, page: checkPage },
      { pattern: /^\/votes\/(\d+)\/result$/, page: resultPage },
    );
    kit.PAGES["pages/votes/detail"] = "#/votes/{id}";
  });
})();
