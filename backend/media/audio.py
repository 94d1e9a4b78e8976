"""The voice-note pipeline: untrusted bytes in, one clean short AAC (.m4a) out.

Every upload goes through :func:`clean_voice`. It trusts nothing the client says:

- the type is sniffed from the bytes (:func:`sniff_audio`): what WeChat's
  RecorderManager records (MP3, AAC as ADTS or in an .m4a), what a browser's
  MediaRecorder records (WebM or Ogg with Opus) and WAV; anything else is refused, and
  the sniffed container's demuxer is the only one the file is opened with;
- the size is bounded before anything is decoded, and only the expected audio codecs
  are decoded at all;
- the length is *measured by decoding* (the header's duration is never believed), and
  decoding stops as soon as the note is longer than allowed, or takes longer than a
  wall-clock bound (a hostile file cannot hold a worker);
- the one audio stream is resampled to mono and encoded as AAC-LC in an .m4a (plays in
  every browser and in WeChat's InnerAudioContext), moov first, muxed bit-exact: no
  title, comment, encoder or any other tag, and no other stream (cover art, video,
  subtitles) survives. The original bytes are never stored.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import time
from dataclasses import dataclass
from fractions import Fraction

#: what the stored file is
VOICE_CONTENT_TYPE = "audio/mp4"
VOICE_RATE = 24_000
VOICE_BITRATE = 32_000
#: a note shorter than this is a slip of the finger
MIN_SECONDS = 0.5
#: a note may be this much over the limit (an encoder's padding) and still pass
_SLACK_SECONDS = 0.5

#: sniffed kind → the only demuxer the bytes are opened with
DEMUXERS = {
    "mp3": "mp3",
    "aac": "aac",  # ADTS
    "m4a": "mp4",
    "webm": "matroska",
    "ogg": "ogg",
    "wav": "wav",
}
#: the decoders a voice note may need; any other codec is refused undecoded
DECODERS = frozenset(
    {
        "mp3",
        "mp3float",
        "aac",
        "aac_fixed",
        "opus",
        "libopus",
        "vorbis",
        "pcm_s16le",
        "pcm_s16be",
        "pcm_s24le",
        "pcm_s32le",
        "pcm_f32le",
        "pcm_u8",
        "pcm_alaw",
        "pcm_mulaw",
    }
)

UNSUPPORTED = "语音只支持 MP3、AAC（M4A）、WebM/Ogg（Opus）或 WAV 格式"
BROKEN = "语音文件已损坏或无法识别，请重新录音"
NO_SOUND = "文件中没有声音，请重新录音"
TOO_SHORT = "录音太短，请按住说话至少 1 秒"
TOO_SLOW = "语音文件无法在时限内处理，请重新录音"


class VoiceRejected(Exception):
    """The bytes are not an acceptable voice note; ``message`` says why (in Chinese)."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CleanVoice:
    data: bytes
    duration_ms: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def too_long(max_seconds: int) -> str:
    return f"语音不能超过 {max_seconds} 秒，请分段录音或改用文字描述"


def sniff_audio(data: bytes) -> str | None:
    """``mp3``, ``aac``, ``m4a``, ``webm``, ``ogg`` or ``wav`` from the bytes, else ``None``."""
    head = data[:64]
    if len(head) < 12:
        return None
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        # EBML: a WebM (or Matroska) file names its doctype near the start
        return "webm" if (b"webm" in data[:64] or b"matroska" in data[:64]) else None
    if head[4:8] == b"ftyp":
        return "m4a"
    if head.startswith(b"ID3"):
        return "mp3"
    if head[0] == 0xFF:
        if head[1] & 0xF6 == 0xF0:  # ADTS: sync, layer 00
            return "aac"
        if head[1] & 0xE0 == 0xE0 and (head[1] >> 1) & 0x3 == 0x1:  # MPEG audio layer III
            return "mp3"
    return None


def clean_voice(
    data: bytes, *, max_bytes: int, max_seconds: float, max_decode_seconds: float
) -> CleanVoice:
    """Check, measure and transcode ``data``; raise :class:`VoiceRejected` if unusable."""
    if not data:
        raise VoiceRejected("文件为空，请重新录音")
    if len(data) > max_bytes:
        raise VoiceRejected(f"语音文件不能超过 {max_bytes // (1024 * 1024)} MB", 413)
    kind = sniff_audio(data)
    if kind is None:
        raise VoiceRejected(UNSUPPORTED)
    import av

    deadline = time.monotonic() + max_decode_seconds
    try:
        source = av.open(io.BytesIO(data), format=DEMUXERS[kind], mode="r")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise VoiceRejected(BROKEN) from exc
    with source, tempfile.TemporaryDirectory(prefix="linli-voice-") as tmp:
        if not source.streams.audio:
            raise VoiceRejected(NO_SOUND)
        stream = source.streams.audio[0]
        if stream.codec_context.name not in DECODERS:
            raise VoiceRejected(UNSUPPORTED)
        path = os.path.join(tmp, "voice.m4a")
        samples = _transcode(source, stream, path, max_seconds, deadline)
        with open(path, "rb") as stored:
            clean = stored.read()
    seconds = samples / VOICE_RATE
    if seconds < MIN_SECONDS:
        raise VoiceRejected(TOO_SHORT)
    return CleanVoice(data=clean, duration_ms=round(seconds * 1000))


def _transcode(source, stream, path: str, max_seconds: float, deadline: float) -> int:
    """Decode ``stream`` into a mono AAC .m4a at ``path``; the samples written (at
    :data:`VOICE_RATE`). Stops and refuses past ``max_seconds`` or ``deadline``."""
    import av

    limit = (max_seconds + _SLACK_SECONDS) * VOICE_RATE
    written = 0
    try:
        # bitexact: no encoder tag; faststart: the index first, so playback starts at once
        with av.open(
            path,
            "w",
            format="ipod",
            options={"movflags": "+faststart", "fflags": "+bitexact"},
        ) as out:
            out_stream = out.add_stream("aac", rate=VOICE_RATE)
            out_stream.layout = "mono"
            out_stream.bit_rate = VOICE_BITRATE
            resampler = av.AudioResampler(
                format="fltp", layout="mono", rate=VOICE_RATE, frame_size=1024
            )
            for packet in source.demux(stream):
                if time.monotonic() > deadline:
                    raise VoiceRejected(TOO_SLOW)
                for frame in packet.decode():
                    if not frame.sample_rate:
                        raise VoiceRejected(BROKEN)
                    for chunk in resampler.resample(frame):
                        written += chunk.samples
                        if written > limit:
                            raise VoiceRejected(too_long(int(max_seconds)))
                        out.mux(out_stream.encode(chunk))
            for chunk in resampler.resample(None):
                written += chunk.samples
                out.mux(out_stream.encode(chunk))
            if written > limit:
                raise VoiceRejected(too_long(int(max_seconds)))
            if not written:
                raise VoiceRejected(NO_SOUND)
            out.mux(out_stream.encode(None))
    except VoiceRejected:
        raise
    except (av.FFmpegError, ValueError, OSError, MemoryError) as exc:
        raise VoiceRejected(BROKEN) from exc
    return written


def tone_clip(
    seconds: float = 3.0,
    *,
    container: str = "ipod",
    codec: str = "aac",
    rate: int = 16_000,
    video: bool = False,
    metadata: dict[str, str] | None = None,
) -> bytes:
    """A short recording of a tone (a warbling 400/500 Hz beep) in ``container`` with
    ``codec``: the demo's voice note, and the tests' clips of every accepted format
    (``video=True`` adds a small video stream; ``metadata`` tags the file)."""
    import av

    # whole periods repeat exactly: no per-sample arithmetic beyond one period
    def period(freq: int) -> bytes:
        n = rate // freq
        return b"".join(
            int(9000 * math.sin(2 * math.pi * i / n)).to_bytes(2, "little", signed=True)
            for i in range(n)
        )

    beat = (period(400) * (rate // 400 // 4)) + (period(500) * (rate // 500 // 4))
    total = int(seconds * rate) * 2
    pcm = (beat * (total // len(beat) + 1))[:total]
    out = io.BytesIO()
    with av.open(out, "w", format=container) as target:
        for name, value in (metadata or {}).items():
            target.metadata[name] = value
        stream = target.add_stream(codec, rate=rate)
        stream.layout = "mono"
        if video:
            picture = target.add_stream("mpeg4", rate=5)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
            for index in range(max(1, int(seconds * 5))):
                frame = av.VideoFrame(64, 48, "yuv420p")
                for plane in frame.planes:
                    plane.update(bytes([index * 20 % 256]) * plane.buffer_size)
                frame.pts = index
                target.mux(picture.encode(frame))
            target.mux(picture.encode(None))
        context = stream.codec_context
        resampler = av.AudioResampler(
            format=context.format.name,
            layout="mono",
            rate=rate,
            frame_size=context.frame_size or None,
        )
        step = 2048
        for start in range(0, len(pcm), step * 2):
            chunk = pcm[start : start + step * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk)
            frame.sample_rate = rate
            frame.pts = start // 2
            frame.time_base = Fraction(1, rate)
            for part in resampler.resample(frame):
                target.mux(stream.encode(part))
        for part in resampler.resample(None):
            target.mux(stream.encode(part))
        target.mux(stream.encode(None))
    return out.getvalue()
