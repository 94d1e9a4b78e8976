"""The disclosure board's generated section ``vote_results``: one post per published result
(with every figure in ``data``), and a must-read post per announced motion."""

from __future__ import annotations

from backend.core.feature import BoardItem
from backend.core.time import to_local
from backend.votes import publication, services
from backend.votes.models import MotionState


def items(estate_id: int) -> list[BoardItem]:
    """The section's posts for ``estate_id``: announcements of motions not yet counted
    (must read), and each published result with its figures and chain head."""
    posts = []
    for motion in services.board_motions(estate_id):
        window = (
            f"投票时间：{to_local(motion.opens_at):%Y-%m-%d %H:%M} 至 "
            f"{to_local(motion.closes_at):%Y-%m-%d %H:%M}"
        )
        header = f"事项类别：《民法典》第二百七十八条第（{motion.item}）项 {motion.item_label}"
        if motion.state == MotionState.published:
            document = motion.published
            posts.append(
                BoardItem(
                    key=f"motion-{motion.id}",
                    title=f"表决结果：{motion.title}",
                    body="\n\n".join(
                        [
                            publication.result_summary(motion),
                            header,
                            window,
                            f"有效表决票 {len(document['ballots'])} 张；"
                            f"哈希链末端 {document['chain_head']}",
                            "任何人可下载选票清单自行重新计票，并核对哈希链末端。",
                        ]
                    ),
                    data={
                        "motion": document["motion"],
                        "tally": document["tally"],
                        "chain_head": document["chain_head"],
                        "ballot_count": len(document["ballots"]),
                        "corrections": document["corrections"],
                    },
                )
            )
        else:
            posts.append(
                BoardItem(
                    key=f"motion-{motion.id}-notice",
                    title=f"表决公告：{motion.title}",
                    body="\n\n".join(p for p in [header, window, motion.body] if p),
                    data={
                        "motion_id": motion.id,
                        "state": motion.state.value,
                        "total_area": str(motion.total_area),
                        "total_heads": motion.total_heads,
                    },
                    must_read=True,
                    # the owners get 表决公告 (vote_announced), which opens the motion
                    owners_notified=True,
                )
            )
    return posts
