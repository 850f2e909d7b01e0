import pytest

from peerless.media.probe import MediaInfo, NotMedia, probe


@pytest.mark.parametrize(
    "sample, video_codec, audio_codec, size, fps",
    [
        ("hd", "h264", "aac", (1280, 720), 30),
        ("webm", "vp9", "opus", (320, 240), 25),
        ("mkv", "h264", "vorbis", (320, 240), 25),
        ("avi", "mpeg4", "mp3", (320, 240), 25),
        ("mov", "h264", "aac", (320, 240), 25),
        ("flv", "h264", "aac", (320, 240), 25),
        ("ogv", "theora", "vorbis", (320, 240), 25),
        ("three_gp", "h263", "amr_nb", (176, 144), 15),
        ("m4v", "h264", "aac", (320, 240), 25),
        ("misnamed", "theora", "vorbis", (320, 240), 25),  # an Ogg video named .mp4: the content decides
    ],
)
def test_videos(samples, sample, video_codec, audio_codec, size, fps):
    path = getattr(samples, sample)
    info = probe(path)
    assert info.has_video and info.has_audio
    assert (info.video_codec, info.audio_codec) == (video_codec, audio_codec)
    assert (info.width, info.height) == size
    assert info.fps == pytest.approx(fps)
    assert info.duration == pytest.approx(3.0 if sample == "hd" else 2.5, abs=0.1)
    assert info.size == path.stat().st_size
    assert info.bitrate == pytest.approx(info.size * 8 / info.duration, rel=0.01)


def test_path_may_be_a_string(samples):
    assert probe(str(samples.small)) == probe(samples.small)


@pytest.mark.parametrize(
    "sample, audio_codec, sample_rate, cover",
    [
        ("mp3", "mp3", 44100, True),  # the cover is a video stream to ffprobe, yet not a video
        ("wav", "pcm_s16le", 22050, False),
        ("m4a", "aac", 44100, False),
        ("ogg", "vorbis", 44100, False),
        ("opus", "opus", 48000, False),
        ("flac", "flac", 96000, True),
        ("aac", "aac", 44100, False),  # no container: ffprobe estimates the length from the bitrate
    ],
)
def test_audio_files_are_audio_only(samples, sample, audio_codec, sample_rate, cover):
    path = getattr(samples, sample)
    info = probe(path)
    assert (info.has_video, info.has_audio, info.has_cover_art) == (False, True, cover)
    assert (info.audio_codec, info.sample_rate) == (audio_codec, sample_rate)
    assert info.width is info.height is info.fps is info.video_codec is None
    assert info.duration == pytest.approx(2.5, abs=0.1)
    assert info.bitrate == pytest.approx(path.stat().st_size * 8 / info.duration, rel=0.01)


def test_video_without_audio(samples):
    info = probe(samples.silent)
    assert (info.has_video, info.has_audio) == (True, False)
    assert (info.width, info.height, info.audio_codec, info.sample_rate) == (640, 360, None, None)


def test_rotated_video_reports_display_size(samples):
    info = probe(samples.rotated)
    assert (info.width, info.height) == (240, 320)


def test_media_info_later_fields_are_optional():
    # Callers may build one by hand (fakes in other tests), and jobs stored before a field was added are
    # read back with MediaInfo(**stored): the later fields must stay optional.
    info = MediaInfo(2.5, True, False, 640, 360, 30.0, "h264", None, 1_000_000, 250_000)
    assert (info.sample_rate, info.has_cover_art, info.video_duration, info.audio_duration) == (None, False, None, None)


@pytest.mark.parametrize(
    "sample, video_duration, audio_duration",
    [
        ("hd", 3.0, 3.0),
        ("small", 2.52, 2.5),  # the picture's last frame lasts 0.04 s past the sound
        ("three_gp", 2.53, 2.5),
        ("avi", 2.56, 2.53),
        ("mkv", 2.52, 2.51),  # Matroska: from each track's DURATION tag
        ("webm", 2.53, 2.51),
        ("flv", None, None),  # Flash Video times only the whole file
        ("silent", 2.5, None),
        ("m4a", None, 2.5),
        ("mp3", None, 2.53),  # the cover is no video stream
        ("long_picture", 4.0, 1.5),
        ("long_sound", 1.54, 4.02),  # in Matroska; AAC's priming counts there
    ],
)
def test_stream_durations(samples, sample, video_duration, audio_duration):
    info = probe(getattr(samples, sample))
    assert info.video_duration == pytest.approx(video_duration, abs=0.01)
    assert info.audio_duration == pytest.approx(audio_duration, abs=0.01)
    timed = [d for d in (video_duration, audio_duration) if d is not None]
    if timed:  # the container's length is the longer stream's, whichever it is
        assert info.duration == pytest.approx(max(timed), abs=0.01)


@pytest.mark.parametrize(
    "sample, reason",
    [
        ("text", "The file is not a video or audio file (ffprobe could not read it: "),
        ("empty", "The file is empty."),
        ("image", "The file is a still image"),
        ("tiny", "too small to watch (1x1 pixels)"),
        ("moov_cut", "not a video or audio file (ffprobe could not read it: moov atom not found)"),
    ],
)
def test_not_media(samples, sample, reason):
    with pytest.raises(NotMedia) as caught:
        probe(getattr(samples, sample))
    assert reason in caught.value.reason
    assert str(caught.value) == caught.value.reason
    # The uploader sees the file's name, never where the server keeps it.
    assert str(samples.text.parent) not in caught.value.reason


def test_missing_file_is_not_a_media_problem(tmp_path):
    with pytest.raises(FileNotFoundError):
        probe(tmp_path / "nowhere.mp4")
