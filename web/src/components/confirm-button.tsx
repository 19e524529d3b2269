import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ProblemAlert } from './problem-alert';

interface ConfirmButtonProps extends Pick<ButtonProps, 'variant' | 'color' | 'size' | 'disabled'> {
  /** The button's text, and the modal's title unless `title` is given. */
  label: string;
  title?: string;
  /** What will happen, in the user's terms (what is lost, what keeps going). */
  message: ReactNode;
  confirmLabel?: string;
  /** Names the button apart from its neighbours in a list (`Delete ops-pager`). */
  'aria-label'?: string;
  onConfirm: () => Promise<unknown>;
}

/** A button for an action that cannot be undone: it asks first, and shows the API's problem if the action fails. */
export function ConfirmButton({
  label,
  title,
  message,
  confirmLabel,
  onConfirm,
  color = 'red',
  'aria-label': ariaLabel,
  ...button
}: ConfirmButtonProps) {
  const [opened, setOpened] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const close = () => {
    setOpened(false);
    setError(null);
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      setOpened(false);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="light" color={color} {...button} aria-label={ariaLabel} onClick={() => setOpened(true)}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={title ?? label}>
        <Stack>
          <Text size="sm">{message}</Text>
          <ProblemAlert error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color={color} loading={busy} onClick={() => void confirm()}>
              {confirmLabel ?? label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
